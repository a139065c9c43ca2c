/**
 * The `workerd` / `edge-light` entry (Cloudflare Workers, Vercel Edge, Next.js middleware): the whole
 * library, plus the WebAssembly kernels prebuilt by the build (`dist/edge/*.wasm`), imported as modules so
 * that the bundler uploads them compiled (those runtimes forbid compiling WebAssembly from bytes). They run
 * on one thread; relaxed SIMD is used where the engine has it, as elsewhere.
 * @packageDocumentation
 */
import attentionRelaxed from './attention-relaxed.wasm?module';
import attentionSimd from './attention-simd.wasm?module';
import gemmRelaxed from './gemm-relaxed.wasm?module';
import gemmSimd from './gemm-simd.wasm?module';
import gemmQ8Relaxed from './gemmQ8-relaxed.wasm?module';
import gemmQ8Simd from './gemmQ8-simd.wasm?module';
import normRelaxed from './norm-relaxed.wasm?module';
import normSimd from './norm-simd.wasm?module';
import { relaxedSimdSupported } from '../tensor/wasm/host/detect.js';
import { usePrebuiltKernels, type KernelModules } from '../tensor/wasm/host/prebuilt.js';

export * from '../index.js';

/** How each bundler must treat the `.wasm` imports, for the error when one arrives as something else. */
const HOW_TO_BUNDLE =
  "bundle .wasm files as compiled WebAssembly modules: wrangler does by default (or a [[rules]] type = \"CompiledWasm\" for \"**/*.wasm?module\"), " +
  "Next.js / Vercel Edge do for '*.wasm?module'; with esbuild, mark '*.wasm?module' external and upload the files from node_modules/deberta/dist/edge/ as modules";

/**
 * Checks that the bundler gave compiled modules. A runtime without WebAssembly registers nothing (the
 * library then uses its TypeScript kernels and says so once, when the first model is built).
 *
 * @throws {Error} naming the first `.wasm` file that did not arrive as a `WebAssembly.Module`
 */
function modules(variant: string, values: Record<keyof KernelModules, unknown>): KernelModules {
  for (const [name, value] of Object.entries(values)) {
    if (!(value instanceof WebAssembly.Module)) {
      const got = value === undefined || value === null ? String(value) : (value as object).constructor?.name ?? typeof value;
      throw new Error(`deberta: the kernel module ./${name}-${variant}.wasm?module (in deberta/dist/edge/) was bundled as ${got}, not a WebAssembly.Module: ${HOW_TO_BUNDLE}`);
    }
  }
  return values as KernelModules;
}

if (typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function') {
  const simd = modules('simd', { gemm: gemmSimd, attention: attentionSimd, norm: normSimd, gemmQ8: gemmQ8Simd });
  const relaxed = relaxedSimdSupported() ? modules('relaxed', { gemm: gemmRelaxed, attention: attentionRelaxed, norm: normRelaxed, gemmQ8: gemmQ8Relaxed }) : undefined;
  usePrebuiltKernels({ simd, relaxedSimd: relaxed });
}
