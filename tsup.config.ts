import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import { moduleBytes } from './src/tensor/wasm/host/runtime.js';
import { KERNEL_NAMES } from './src/tensor/wasm/host/prebuilt.js';

const shared: Options = {
  entry: { index: 'src/index.ts' },
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
};

/** Browser builds swap the Node file module for a stub, so no `node:` import is reachable. */
const browserFs = {
  name: 'browser-node-fs',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: () => { path: string }) => void }) {
    const stub = fileURLToPath(new URL('./src/io/node-fs.browser.ts', import.meta.url));
    build.onResolve({ filter: /\/node-fs\.js$/ }, () => ({ path: stub }));
  },
};

/** The edge entry's `.wasm?module` imports stay imports: the worker's bundler (wrangler, Next.js) uploads them as modules. */
const wasmModules = {
  name: 'external-wasm-modules',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: (a: { path: string }) => { path: string; external: boolean }) => void }) {
    build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * Writes the kernel modules the emitter generates for a single-threaded runtime (plain SIMD and relaxed
 * SIMD) to dist/edge/<name>-<variant>.wasm, beside the edge entry that imports them.
 */
async function emitKernels(): Promise<void> {
  const dir = fileURLToPath(new URL('./dist/edge/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  for (const [variant, relaxed] of [['simd', false], ['relaxed', true]] as const) {
    moduleBytes(relaxed).forEach((bytes, i) => writeFileSync(`${dir}${KERNEL_NAMES[i]}-${variant}.wasm`, bytes));
  }
}

export default defineConfig([
  // Node: ESM + CJS + types; local folders are read through a lazily imported node-fs chunk.
  { ...shared, format: ['esm', 'cjs'], dts: true, splitting: true, platform: 'node' },
  // The `deberta` command.
  { ...shared, entry: { cli: 'src/cli.ts' }, format: ['esm'], platform: 'node', splitting: false },
  // Browsers and bundlers (`browser` export condition): one ESM file, fetch only.
  { ...shared, format: ['esm'], outDir: 'dist/browser', platform: 'browser', splitting: false, esbuildPlugins: [browserFs] },
  // Edge runtimes (`workerd`, `edge-light` export conditions): the browser build plus the prebuilt kernels as .wasm files.
  {
    ...shared,
    entry: { index: 'src/edge/index.ts' },
    format: ['esm'],
    outDir: 'dist/edge',
    platform: 'browser',
    splitting: false,
    esbuildPlugins: [browserFs, wasmModules],
    onSuccess: emitKernels,
  },
]);
