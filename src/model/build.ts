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
import { checkBackendRequest, pickBackend } from '../tensor/default-backend.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import type { ComputeOptions } from './backend-options.js';
import { parseConfig, type DebertaConfig } from './config.js';
import { Weights } from './weights.js';

/** A model class as the build path constructs it: every model's constructor takes these. */
export interface ModelClass<M> {
  new (config: DebertaConfig, weights: Weights, backend: Backend, ownsBackend: boolean): M;
}

/** What a model is built from: its typed config and the checkpoint's tensors, seen from their root keys. */
export interface ModelSource {
  readonly config: DebertaConfig;
  readonly weights: Weights;
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
  return { config: parseConfig(ckpt.config), weights: new Weights(ckpt.tensors, '', ckpt.source) };
}

/**
 * Picks the backend `options` ask for and constructs the model on it. A backend made for the model (from
 * `numThreads`) belongs to the model, which stops it on `dispose()`; if construction throws, it is stopped here.
 */
export function construct<M>(cls: ModelClass<M>, from: ModelSource, options: ComputeOptions): M {
  const { backend, owned } = pickBackend(options);
  try {
    return new cls(from.config, from.weights, backend, owned);
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
  checkBackendRequest(options); // before the download: a wrong numThreads should not cost a 700 MB fetch first
  return construct(cls, modelSource(await loadCheckpoint(source, options)), options);
}

/** `fromWeights`: the whole path from a config (raw or parsed) and tensors in memory (option keys already checked). */
export function buildModel<M>(cls: ModelClass<M>, config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options: ComputeOptions): M {
  checkBackendRequest(options);
  const from = { config: toConfig(config), weights: new Weights(toTensorMap(weights), '', 'weights') };
  return construct(cls, from, options);
}
