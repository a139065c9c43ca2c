import { InputError } from '../errors.js';
import { jsBackend, type Backend } from '../tensor/kernels.js';
import { createWasmBackend, threadsSupported, wasmSimdSupported } from '../tensor/wasm/backend.js';

/** How a model computes: options of every `fromPretrained` / `fromWeights` (and of `pipeline`). */
export interface ComputeOptions {
  /**
   * Threads for this model's kernels, the caller's included: the model gets its own WebAssembly backend and
   * worker threads (stopped by `dispose()`). Without it, models share the default backend, which runs on
   * the machine's cores (up to 4) in Node and in cross-origin isolated pages, and on 1 thread elsewhere.
   */
  numThreads?: number;
  /** A backend to run on (e.g. `jsBackend`, or one from `createWasmBackend`); the caller owns it. */
  backend?: Backend;
}

/** The backend a model binds to (`null`: the shared default), and whether the model owns it. */
export interface BoundBackend {
  backend: Backend | null;
  owned: boolean;
}

const MAX_THREADS = 256;

/** Resolves {@link ComputeOptions}; bad values are an `InputError` naming `numThreads`. */
export function bindBackend(options: ComputeOptions = {}): BoundBackend {
  const n = options.numThreads;
  if (options.backend !== undefined) {
    if (n !== undefined) throw new InputError('give numThreads and backend separately: numThreads makes a backend of its own');
    return { backend: options.backend, owned: false };
  }
  if (n === undefined) return { backend: null, owned: false };
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new InputError(`numThreads must be an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  if (!wasmSimdSupported()) {
    if (n === 1) return { backend: jsBackend, owned: false };
    throw new InputError(`numThreads ${n} needs WebAssembly SIMD, which this JavaScript engine lacks`);
  }
  if (n > 1 && !threadsSupported()) {
    throw new InputError(`numThreads ${n} needs worker threads sharing memory: Node >= 20.16, or a cross-origin isolated page`);
  }
  return { backend: createWasmBackend({ numThreads: n }), owned: true };
}

/** Stops an owned backend's workers. */
export function releaseBackend(bound: BoundBackend): void {
  if (bound.owned) (bound.backend as { dispose?: () => void } | null)?.dispose?.();
}
