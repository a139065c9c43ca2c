/**
 * The kernel interface: every hot loop the model runs goes through one {@link Backend}. Model code calls
 * `kernels()`; the first call picks the fastest backend the engine supports (WebAssembly SIMD, else plain
 * TypeScript), and {@link setBackend} replaces it without touching model code.
 */
import { activate } from './js/activations.js';
import { attention } from './js/attention.js';
import { conv1d } from './js/conv1d.js';
import { add, scaleRows } from './js/elementwise.js';
import { addGatheredScores, embeddingGather } from './js/gather.js';
import { layerNorm } from './js/layer-norm.js';
import { gemm, packB } from './js/matmul.js';
import { maskedSoftmax } from './js/softmax.js';
import { createWasmBackend, threadsSupported, wasmSimdSupported } from './wasm/backend.js';

export type { Activation } from './js/activations.js';
export type { AttentionArgs, RelativeTerms } from './js/attention.js';
export type { PackedMatrix } from './js/matmul.js';

/** The operations a backend provides; see each reference implementation in `tensor/js/` for semantics. */
export interface Backend {
  readonly name: string;
  packB: typeof packB;
  gemm: typeof gemm;
  add: typeof add;
  scaleRows: typeof scaleRows;
  layerNorm: typeof layerNorm;
  maskedSoftmax: typeof maskedSoftmax;
  activate: typeof activate;
  embeddingGather: typeof embeddingGather;
  addGatheredScores: typeof addGatheredScores;
  conv1d: typeof conv1d;
  /** Disentangled self-attention of every sequence and head (see `tensor/js/attention.ts`). */
  attention: typeof attention;
}

/** The plain TypeScript kernels: the reference and the fallback of every other backend. */
export const jsBackend: Backend = {
  name: 'js',
  packB,
  gemm,
  add,
  scaleRows,
  layerNorm,
  maskedSoftmax,
  activate,
  embeddingGather,
  addGatheredScores,
  conv1d,
  attention,
};

let active: Backend | null = null;

/** The backend in use; the first call chooses the default (WebAssembly SIMD when available, else JS). */
export function kernels(): Backend {
  active ??= defaultBackend();
  return active;
}

/** Switches the backend for every model. Weights packed by another backend are repacked on first use. */
export function setBackend(backend: Backend): void {
  active = backend;
}

/**
 * Runs `fn` with `backend` active (every kernel call inside goes to it), then restores the previous one.
 * Models bound to their own backend wrap their synchronous compute in this; `null` keeps the active one.
 */
export function withBackend<T>(backend: Backend | null, fn: () => T): T {
  if (backend === null) return fn();
  const previous = active;
  active = backend;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Most threads the default backend starts on its own: more rarely pays off on DeBERTa-sized matrices. */
const DEFAULT_MAX_THREADS = 4;

/**
 * Threads of the default backend: the machine's cores (capped at 4) where workers can share memory (Node,
 * cross-origin isolated pages), else 1.
 */
export function defaultNumThreads(): number {
  if (!threadsSupported()) return 1;
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  const cores = g.navigator?.hardwareConcurrency ?? g.process?.getBuiltinModule?.('os')?.availableParallelism?.() ?? 1;
  return Math.max(1, Math.min(DEFAULT_MAX_THREADS, Math.floor(cores)));
}

function defaultBackend(): Backend {
  if (!wasmSimdSupported()) return jsBackend;
  try {
    return createWasmBackend({ numThreads: defaultNumThreads() });
  } catch {
    // e.g. a Content-Security-Policy without 'wasm-unsafe-eval' forbids compiling modules
    return jsBackend;
  }
}
