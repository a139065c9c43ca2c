/**
 * Compiles the kernel modules against one shared heap and exposes their exports with types.
 *
 * Every module stays under 4 KB (checked by the tests): Chromium refuses synchronous compilation of
 * larger modules on the main thread, and these are compiled synchronously when a backend is created.
 */
import { attentionModule } from '../kernels/attention.js';
import { gemmModule } from '../kernels/gemm.js';
import { MAX_PAGES, WasmHeap } from './heap.js';
import type { PackedMatrix } from '../../backend.js';
import type { WasmPackedMatrix } from './packed.js';
import type { MemoryImport } from '../emit/module-builder.js';
import { normModule } from '../kernels/norm.js';
import { KC, PANEL, TILE_ROWS } from '../layout.js';
import { ThreadPool } from '../threads/pool.js';
import { prebuiltModules } from './prebuilt.js';

/** The kernel exports; pointers and strides in bytes. */
export interface WasmRuntime {
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  /** Other backends' packings, copied into this runtime's memory on first use. */
  readonly adopted: WeakMap<PackedMatrix, WasmPackedMatrix>;
  /** Worker threads sharing the memory, or null when single-threaded. */
  readonly pool: ThreadPool | null;
  gemm(m: number, k: number, n: number, a: number, lda: number, b: number, c: number, ldc: number, accumulate: number, bias: number): void;
  packT(src: number, rs: number, n: number, k: number, dst: number): void;
  packN(src: number, rs: number, k: number, n: number, dst: number): void;
  gatherRows(s: number, lds: number, lq: number, lk: number, src: number, ldsrc: number, idx: number, scale: number): void;
  gatherCols(s: number, lds: number, lq: number, lk: number, src: number, ldsrc: number, idx: number, scale: number): void;
  softmax(x: number, rows: number, vecs: number, ld: number, keep: number): void;
  scale(p: number, vecs: number, s: number): void;
  layerNorm(x: number, rows: number, cols: number, gamma: number, beta: number, eps: number, out: number): void;
  gelu(p: number, vecs: number): void;
  /** One (sequence, head) of disentangled attention; see kernels/attention.ts for the argument block (ATT). */
  attentionTask(item: number, thread: number, args: number): void;
}

/** The memory import of modules that threads share: a shared memory needs a declared maximum. */
const SHARED_MEMORY: MemoryImport = { initial: 1, maximum: MAX_PAGES, shared: true };

/** Every module's bytes, for size checks and async compilation. */
export function moduleBytes(relaxedSimd: boolean, shared = false): Array<Uint8Array<ArrayBuffer>> {
  const memory = shared ? SHARED_MEMORY : undefined;
  return [gemmModule({ mr: TILE_ROWS, nr: PANEL, kc: KC, fma: relaxedSimd }, memory), attentionModule(memory), normModule(memory)];
}

/** Receives the duration of every kernel call, for profiling. */
export type KernelTimer = (kernel: string, ms: number) => void;

/**
 * Instantiates the kernel modules (synchronously; the prebuilt ones when registered, see prebuilt.ts) over a
 * fresh heap; `timer` sees every wasm call of this thread. With `threads` > 1 the memory is shared and threads - 1 workers run the same modules.
 */
export function createRuntime(relaxedSimd: boolean, timer?: KernelTimer, maxMemoryBytes?: number, threads = 1): WasmRuntime {
  const shared = threads > 1;
  const heap = new WasmHeap(16, maxMemoryBytes, shared);
  const imports = { env: { memory: heap.memory } };
  const exports: Record<string, unknown> = {};
  // Prebuilt modules (registered by the edge entry, where compiling bytes is forbidden) are single-threaded.
  const modules = (shared ? null : prebuiltModules(relaxedSimd))
    ?? moduleBytes(relaxedSimd, shared).map((bytes) => new WebAssembly.Module(bytes));
  // In order: a module may import an earlier one's exports (the attention task calls the gemm).
  for (const module of modules) Object.assign(exports, new WebAssembly.Instance(module, { env: { ...imports.env, ...exports } }).exports);
  const task = (name: string) => exports[name] as (...a: number[]) => void;
  const pool = shared ? new ThreadPool(heap, modules, { gemmTask: task('gemmTask'), attentionTask: task('attentionTask') }, threads - 1) : null;
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
  return { heap, relaxedSimd, adopted, pool, ...(exports as unknown as Omit<WasmRuntime, 'heap' | 'relaxedSimd' | 'adopted' | 'pool'>) };
}
