/**
 * The one build path of every model: load the checkpoint → parse its config → pick the backend the options
 * ask for → construct. `DebertaModel`, every task model (`fromPretrained` / `fromWeights`) and every pipeline
 * go through it, so a backend made for a model is released whenever building fails.
 */
import { ConfigError, InputError } from '../errors.js';
import { loadCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import type { FileSource } from '../io/file-source.js';
import type { LoadOptions } from '../io/load-options.js';
import { describe } from '../options.js';
import type { Backend } from '../tensor/backend.js';
import { pickBackend } from '../tensor/default-backend.js';
import type { Int8TensorMap, Tensor, TensorMap } from '../tensor/tensor.js';
import { checkComputeOptions, type ComputeOptions } from './backend-options.js';
import { parseConfig, type DebertaConfig } from './config.js';
import { isQuantizedConfig, Q8_QUANT_METHOD, type ModelDtype } from './dtype.js';
import { Weights } from './weights.js';

/** A model class as the build path constructs it: every model's constructor takes these. */
export interface ModelClass<M> {
  new (config: DebertaConfig, weights: Weights, backend: Backend, ownsBackend: boolean): M;
}

/** What a model is built from: its typed config and the checkpoint's tensors, seen from their root keys. */
export interface ModelSource {
  readonly config: DebertaConfig;
  readonly weights: Weights;
  /** A quantized checkpoint's int8 tensors (with `quantized`), else empty. */
  readonly int8?: Int8TensorMap;
  /** Whether the checkpoint was written by `deberta quantize` (its config says so). */
  readonly quantized?: boolean;
  /** The checkpoint's `finish` (tensors read from disk on demand): called once the model is built (not when building fails). */
  readonly finish?: () => void;
}

/** Tensors accepted by `fromWeights`: a Map or a plain object of `Tensor`s keyed like a checkpoint. */
export type WeightsInput = TensorMap | Record<string, Tensor>;

/** Turns user-supplied weights into a Map. */
function toTensorMap(weights: WeightsInput): TensorMap {
  if (weights instanceof Map) return weights;
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    throw new InputError(`weights must be a Map or a plain object of Tensors keyed like a checkpoint, got ${describe(weights)}`);
  }
  return new Map(Object.entries(weights));
}

/** Accepts a parsed config or a raw config.json object. */
function toConfig(config: DebertaConfig | Record<string, unknown>): DebertaConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(`config must be a config.json object or a parsed DebertaConfig, got ${describe(config)}`);
  }
  return 'modelType' in config && 'hiddenSize' in config ? (config as DebertaConfig) : parseConfig(config);
}

/** Parses a loaded checkpoint's config: what every model is built from. */
export function modelSource(ckpt: Checkpoint): ModelSource {
  return {
    config: parseConfig(ckpt.config),
    weights: new Weights(ckpt.tensors, '', ckpt.source),
    int8: ckpt.int8Tensors,
    quantized: isQuantizedConfig(ckpt.config),
    finish: ckpt.finish,
  };
}

/**
 * The dtype a model is built in: the one asked for, else `'q8'` for a quantized checkpoint and `'fp32'`
 * otherwise. A quantized checkpoint cannot be widened back to the float32 it came from.
 */
function resolveDtype(from: ModelSource, dtype: ModelDtype | undefined): ModelDtype {
  if (from.quantized === true) {
    if (dtype === 'fp32') throw new InputError(`${from.weights.source}: this checkpoint is quantized (${Q8_QUANT_METHOD}); load it with dtype 'q8' (its default), or load the float32 checkpoint it was made from`);
    return 'q8';
  }
  return dtype ?? 'fp32';
}

/** The checkpoint's weights seen in the dtype the options resolve to. */
function weightsFor(from: ModelSource, options: ComputeOptions): Weights {
  const dtype = resolveDtype(from, options.dtype);
  return dtype === 'fp32' ? from.weights : from.weights.withDtype(dtype, from.int8);
}

/**
 * Picks the backend `options` ask for and constructs the model on it. A backend made for the model (from
 * `numThreads`) belongs to the model, which stops it on `dispose()`; if construction throws, it is stopped here.
 */
export function construct<M>(cls: ModelClass<M>, from: ModelSource, options: ComputeOptions): M {
  const { backend, owned } = pickBackend(options);
  try {
    const weights = weightsFor(from, options);
    const model = new cls(from.config, weights, backend, owned);
    if (weights.dtype === 'q8') weights.release(); // the float32 file can go: the model holds int8 packs
    from.finish?.();
    return model;
  } catch (e) {
    if (owned) backend.dispose?.();
    throw e;
  }
}

/** `fromPretrained`: the whole path from a folder, URL, Hub id or FileSource (option keys already checked). */
export async function loadModel<M>(
  cls: ModelClass<M>,
  source: string | URL | FileSource,
  options: LoadOptions & ComputeOptions,
): Promise<M> {
  checkComputeOptions(options); // before the download: a wrong numThreads should not cost a 700 MB fetch first
  // q8 keeps only int8 copies, so float16 tensors are converted one at a time as they are quantized.
  return construct(cls, modelSource(await loadCheckpoint(source, options, options.dtype === 'q8' ? 'on-demand' : 'eager')), options);
}

/** `fromWeights`: the whole path from a config (raw or parsed) and tensors in memory (option keys already checked). */
export function buildModel<M>(cls: ModelClass<M>, config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options: ComputeOptions): M {
  checkComputeOptions(options);
  const from = { config: toConfig(config), weights: new Weights(toTensorMap(weights), '', 'weights') };
  return construct(cls, from, options);
}
