import type { OptionKeys } from '../options.js';
import type { Backend } from '../tensor/backend.js';
import { checkBackendRequest } from '../tensor/default-backend.js';
import { checkDtype, type ModelDtype } from './dtype.js';

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
  /**
   * Precision of the matmuls: `'fp32'` (the default for float checkpoints), or `'q8'`: int8 weights per
   * output channel (quantized as they load, or read from a checkpoint `deberta quantize` wrote, which is
   * the default for those), activations quantized per token, integer kernels. A quarter of the weight
   * memory and faster; the accuracy cost is measured in README ("Integer inference").
   */
  dtype?: ModelDtype;
}

/** Every {@link ComputeOptions} key, for option checking at the public entry points. */
export const COMPUTE_OPTION_KEYS: OptionKeys<ComputeOptions> = { numThreads: true, backend: true, dtype: true };

/**
 * Checks the values of {@link ComputeOptions} (keys are the entry points' concern) before anything loads.
 *
 * @throws {InputError} naming the option at fault
 */
export function checkComputeOptions(options: ComputeOptions): void {
  checkBackendRequest(options);
  checkDtype(options.dtype);
}
