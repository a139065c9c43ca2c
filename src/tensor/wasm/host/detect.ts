/**
 * Feature detection by validating tiny modules: nothing is compiled or instantiated, so it is cheap and
 * has no side effects.
 */
import { FunctionBuilder, V128 } from '../emit/function-builder.js';
import { ModuleBuilder } from '../emit/module-builder.js';
import { prebuiltKernels } from './prebuilt.js';

function validates(body: (f: FunctionBuilder) => void): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const f = new FunctionBuilder([], [V128]);
  body(f);
  const mod = new ModuleBuilder();
  mod.add('f', f);
  try {
    return WebAssembly.validate(mod.bytes());
  } catch {
    return false;
  }
}

let simd: boolean | undefined;
let relaxed: boolean | undefined;
let sharedMemory: boolean | undefined;

/**
 * Whether the engine runs 128-bit WebAssembly SIMD (every current browser, Node >= 16.4). Registered
 * prebuilt kernels prove it: the engine compiled their SIMD modules.
 */
export function wasmSimdSupported(): boolean {
  simd ??= validates((f) => f.f32x4Const(1).f32x4Const(2).f32x4Add());
  return simd || prebuiltKernels() !== null;
}

/**
 * Whether the engine accepts relaxed SIMD (f32x4.relaxed_madd): Chrome >= 114, Node >= 22 by default;
 * Node 20 only with --experimental-wasm-relaxed-simd.
 */
export function relaxedSimdSupported(): boolean {
  relaxed ??= wasmSimdSupported() && validates((f) => f.f32x4Const(1).f32x4Const(2).f32x4Const(3).relaxedMadd());
  return relaxed;
}

/**
 * Whether the engine makes WebAssembly memories shareable (backed by a SharedArrayBuffer): Node, Deno, Bun
 * and cross-origin isolated pages; not other pages, where SharedArrayBuffer is withheld.
 */
export function sharedMemorySupported(): boolean {
  sharedMemory ??= (() => {
    if (typeof SharedArrayBuffer !== 'function') return false;
    try {
      return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      return false;
    }
  })();
  return sharedMemory;
}
