/**
 * Compiles the kernel modules against one shared heap and exposes their exports with types.
 *
 * Every module stays under 4 KB (checked by the tests): Chromium refuses synchronous compilation of
 * larger modules on the main thread, and these are compiled synchronously when a backend is created.
 */
import { attentionModule } from '../kernels/attention.js';
import { gemmModule } from '../kernels/gemm.js';
import { gemmQ8Module } from '../kernels/gemm-q8.js';
import { MAX_PAGES, WasmHeap } from './heap.js';
import type { PackedMatrix, PackedQ8Matrix } from '../../backend.js';
import type { WasmPackedMatrix } from './packed.js';
import type { WasmQ8Matrix } from './packed-q8.js';
import type { MemoryImport } from '../emit/module-builder.js';
import { normModule } from '../kernels/norm.js';
import { KC, PANEL, TILE_ROWS } from '../layout.js';
import { ThreadPool } from '../threads/pool.js';
import { TASKS, type TaskName } from '../threads/protocol.js';
import { sharedMemorySupported } from './detect.js';
import { prebuiltModules } from './prebuilt.js';

/** The kernel exports; pointers and strides in bytes. */
export interface WasmRuntime {
  readonly heap: WasmHeap;
  readonly relaxedSimd: boolean;
  /** Whether the int8 matmul is the relaxed-dot kernel (else `i32x4.dot_i16x8_s`). */
  readonly relaxedQ8: boolean;
  /** Other backends' packings, copied into this runtime's memory on first use. */
  readonly adopted: WeakMap<PackedMatrix, WasmPackedMatrix>;
  /** Other backends' int8 packs, copied into this runtime's memory (in its kernel's layout) on first use. */
  readonly adoptedQ8: WeakMap<PackedQ8Matrix, WasmQ8Matrix>;
  /** Worker threads sharing the memory, or null when single-threaded. */
  readonly pool: ThreadPool | null;
  gemm(m: number, k: number, n: number, a: number, lda: number, b: number, c: number, ldc: number, accumulate: number, bias: number): void;
  /** The gemm of a column chunk, and GELU over it; see kernels/gemm.ts. */
  gemmTask(item: number, thread: number, ...args: number[]): void;
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
  /** The int8 product of a column chunk, and its dequantization; see kernels/gemm-q8.ts. */
  gemmQ8Task(item: number, thread: number, ...args: number[]): void;
  /** Activation rows quantized (into the plain kernel's row tiles, or the relaxed kernel's rows); see kernels/gemm-q8.ts. */
  quantizeQ8Task(item: number, thread: number, x: number, ldx: number, m: number, kp: number, limit: number, q: number, sx: number, tilesPerItem: number): void;
  /** Rows of the int8 matmul's A into its row tiles; see kernels/gemm-q8.ts. */
  packQ8Rows(q: number, m: number, kp: number, dst: number): void;
  /** Relaxed-SIMD runtimes only. */
  splitQ8(q: number, m: number, kp: number, planes: number): void;
}

/** The memory import of modules that threads share: a shared memory needs a declared maximum. */
const SHARED_MEMORY: MemoryImport = { initial: 1, maximum: MAX_PAGES, shared: true };

/**
 * Every module's bytes, for size checks and async compilation. The int8 matmul uses the relaxed integer dot
 * product only when asked (`relaxedQ8`): where engines lower it to plain SSE (x86 without VNNI), the 14-bit
 * activations need two of its multiplies per one of `i32x4.dot_i16x8_s`, and it measured a third slower.
 */
export function moduleBytes(relaxedSimd: boolean, shared = false, relaxedQ8 = false): Array<Uint8Array<ArrayBuffer>> {
  const memory = shared ? SHARED_MEMORY : undefined;
  return [
    normModule(memory), gemmModule({ mr: TILE_ROWS, nr: PANEL, kc: KC, fma: relaxedSimd }, memory), attentionModule(memory),
    gemmQ8Module(relaxedQ8, memory),
  ];
}

/**
 * The runtime's memory, shared when asked. A shared memory reserves its whole maximum up front, which a 32-bit
 * process may refuse: one thread then runs on a private memory (operands copied); worker threads cannot.
 */
function createHeap(maxMemoryBytes: number | undefined, shared: boolean, threads: number): WasmHeap {
  try {
    return new WasmHeap(16, maxMemoryBytes, shared);
  } catch (e) {
    if (!shared || threads > 1) throw e;
    return new WasmHeap(16, maxMemoryBytes, false);
  }
}

/** Receives the duration of every kernel call, for profiling. */
export type KernelTimer = (kernel: string, ms: number) => void;

/**
 * Instantiates the kernel modules (synchronously; the prebuilt ones when registered, see prebuilt.ts) over a
 * fresh heap; `timer` sees every wasm call of this thread. With `threads` > 1, threads - 1 workers run the same
 * modules over the shared memory.
 */
export function createRuntime(relaxedSimd: boolean, timer?: KernelTimer, maxMemoryBytes?: number, threads = 1, relaxedQ8 = false): WasmRuntime {
  // Prebuilt modules (registered by the edge entry, where compiling bytes is forbidden) are single-threaded,
  // over a private memory.
  const prebuilt = threads === 1 && !relaxedQ8 ? prebuiltModules(relaxedSimd) : null;
  // Otherwise the memory is shared wherever the engine allows: worker threads need it, and on one thread too it
  // lets a model's activation buffers live in it (growing it never detaches them), read and written in place.
  const heap = createHeap(maxMemoryBytes, prebuilt === null && (threads > 1 || sharedMemorySupported()), threads);
  const imports = { env: { memory: heap.memory } };
  const exports: Record<string, unknown> = {};
  const modules = prebuilt ?? moduleBytes(relaxedSimd, heap.shared, relaxedQ8).map((bytes) => new WebAssembly.Module(bytes));
  // In order: a module may import an earlier one's exports (the attention task calls the gemm; both matmuls
  // call the norm module's GELU).
  for (const module of modules) Object.assign(exports, new WebAssembly.Instance(module, { env: { ...imports.env, ...exports } }).exports);
  const task = (name: string) => exports[name] as (...a: number[]) => void;
  const pool = threads > 1 ? new ThreadPool(heap, modules, Object.fromEntries(TASKS.map((name) => [name, task(name)])) as Record<TaskName, (...a: number[]) => void>, threads - 1) : null;
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
  const adoptedQ8 = new WeakMap<PackedQ8Matrix, WasmQ8Matrix>();
  type Kernels = Omit<WasmRuntime, 'heap' | 'relaxedSimd' | 'relaxedQ8' | 'adopted' | 'adoptedQ8' | 'pool'>;
  return { heap, relaxedSimd, relaxedQ8, adopted, adoptedQ8, pool, ...(exports as unknown as Kernels) };
}
