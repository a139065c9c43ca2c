import { InputError } from '../errors.js';
import { describe, type OptionKeys } from '../options.js';
import { jsBackend, type Backend } from '../tensor/kernels.js';
import { createWasmBackend, threadsSupported, wasmSimdSupported } from '../tensor/wasm/backend.js';

/** How a model computes: options of every `fromPretrained` / `fromWeights` (and of `pipeline`). */
export interface ComputeOptions {
  /**
   * Threads for this model's kernels, the caller's included: the model gets its own WebAssembly backend and
   * worker threads. Without it, models share the default backend, which runs on the machine's cores (up to
   * 4) in Node and in cross-origin isolated pages, and on 1 thread elsewhere.
   *
   * The model's `dispose()` stops its workers and frees its packed weights at once. A model dropped without
   * it gets them back only when the garbage collector reclaims it: possibly late (the collector answers to
   * JavaScript heap pressure, while the weights and worker threads live outside that heap) or never (a
   * short-lived process). Idle workers never keep a process alive either way.
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
    checkBackend(options.backend);
    return { backend: options.backend, owned: false };
  }
  if (n === undefined) return { backend: null, owned: false };
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new InputError(`numThreads must be an integer from 1 to ${MAX_THREADS}, got ${describe(n)}`);
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

/** A backend must have every op the reference backend has, so a wrong value fails here and not mid-forward. */
function checkBackend(backend: unknown): void {
  if (backend === null || typeof backend !== 'object') {
    throw new InputError(`backend must be a Backend (e.g. jsBackend, or one from createWasmBackend), got ${describe(backend)}`);
  }
  const ops = backend as Record<string, unknown>;
  const missing = Object.keys(jsBackend).filter((op) => op !== 'name' && typeof ops[op] !== 'function');
  if (missing.length > 0) throw new InputError(`backend lacks the kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: not a Backend`);
}

/** Stops an owned backend's workers. */
export function releaseBackend(bound: BoundBackend): void {
  if (bound.owned) (bound.backend as { dispose?: () => void } | null)?.dispose?.();
}

/** Every {@link ComputeOptions} key, for option checking at the public entry points. */
export const COMPUTE_OPTION_KEYS: OptionKeys<ComputeOptions> = { numThreads: true, backend: true };
