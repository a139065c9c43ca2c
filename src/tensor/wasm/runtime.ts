/**
 * Compiles the kernel modules against one shared heap and exposes their exports with types.
 *
 * Every module stays under 4 KB (checked by the tests): Chromium refuses synchronous compilation of
 * larger modules on the main thread, and these are compiled synchronously on the first `kernels()` call.
 */
import { attentionModule } from './attention-module.js';
import { gemmModule } from './gemm-module.js';
import { WasmHeap } from './heap.js';
import type { PackedMatrix } from '../js/matmul.js';
import type { WasmPackedMatrix } from './packed.js';
import { normModule } from './norm-module.js';

/** The K block of the gemm: 256 rows × 8 columns of B (8 KiB) stay in L1 while row tiles pass. */
export const KC = 256;

/** The kernel exports; pointers and strides in bytes. */
export interface WasmRuntime {
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  /** Other backends' packings, copied into this runtime's memory on first use. */
  readonly adopted: WeakMap<PackedMatrix, WasmPackedMatrix>;
  gemm(m: number, k: number, n: number, a: number, lda: number, b: number, c: number, ldc: number, accumulate: number, bias: number): void;
  packT(src: number, rs: number, n: number, k: number, dst: number): void;
  packN(src: number, rs: number, k: number, n: number, dst: number): void;
  gatherRows(s: number, lds: number, lq: number, lk: number, src: number, ldsrc: number, idx: number, scale: number): void;
  gatherCols(s: number, lds: number, lq: number, lk: number, src: number, ldsrc: number, idx: number, scale: number): void;
  softmax(x: number, rows: number, vecs: number, ld: number, keep: number): void;
  scale(p: number, vecs: number, s: number): void;
  layerNorm(x: number, rows: number, cols: number, gamma: number, beta: number, eps: number, out: number): void;
  gelu(p: number, vecs: number): void;
}

/** Every module's bytes, for size checks and async compilation. */
export function moduleBytes(relaxedSimd: boolean): Array<Uint8Array<ArrayBuffer>> {
  return [gemmModule({ mr: 4, nr: 8, kc: KC, fma: relaxedSimd }), attentionModule(), normModule()];
}

/** Receives the duration of every kernel call, for profiling. */
export type KernelTimer = (kernel: string, ms: number) => void;

/** Instantiates the kernel modules (synchronously) over a fresh heap; `timer` sees every wasm call. */
export function createRuntime(relaxedSimd: boolean, timer?: KernelTimer, maxMemoryBytes?: number): WasmRuntime {
  const heap = new WasmHeap(16, maxMemoryBytes);
  const imports = { env: { memory: heap.memory } };
  const exports: Record<string, unknown> = {};
  for (const bytes of moduleBytes(relaxedSimd)) {
    Object.assign(exports, new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports);
  }
  if (timer !== undefined) {
    for (const [name, fn] of Object.entries(exports)) {
      if (typeof fn !== 'function') continue;
      exports[name] = (...args: number[]) => {
        const t0 = performance.now();
        (fn as (...a: number[]) => void)(...args);
        timer(name, performance.now() - t0);
      };
    }
  }
  const adopted = new WeakMap<PackedMatrix, WasmPackedMatrix>();
  return { heap, relaxedSimd, adopted, ...(exports as unknown as Omit<WasmRuntime, 'heap' | 'relaxedSimd' | 'adopted'>) };
}
