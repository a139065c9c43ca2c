import type { OptionKeys } from '../options.js';
import type { Backend } from '../tensor/backend.js';

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

/** Every {@link ComputeOptions} key, for option checking at the public entry points. */
export const COMPUTE_OPTION_KEYS: OptionKeys<ComputeOptions> = { numThreads: true, backend: true };
