import { ConfigError, InputError, WeightsError } from '../errors.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { LOAD_OPTION_KEYS, type FileSource, type LoadOptions } from '../io/source.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { withBackend } from '../tensor/kernels.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';
import type { AttentionInput, RelativeContext } from './attention.js';
import { bindBackend, COMPUTE_OPTION_KEYS, releaseBackend, type BoundBackend, type ComputeOptions } from './backend-options.js';
import { parseConfig, type DebertaConfig } from './config.js';
import { DebertaEmbeddings } from './embeddings.js';
import { DebertaEncoder } from './encoder.js';
import { prepareInputs, type BatchInputs, type ModelInputs } from './inputs.js';
import { Weights } from './weights.js';

/** Options of `forward`. */
export interface ForwardOptions {
  /** Also return the embeddings output and every layer's output. */
  outputHiddenStates?: boolean;
}

/** Every {@link ForwardOptions} key. */
export const FORWARD_OPTION_KEYS: OptionKeys<ForwardOptions> = { outputHiddenStates: true };

/** The options of every `fromPretrained`: where to load from and how to compute. */
export const FROM_PRETRAINED_OPTION_KEYS = mergeKeys<LoadOptions, ComputeOptions>(LOAD_OPTION_KEYS, COMPUTE_OPTION_KEYS);

/** Checks a forward's options object: known keys only, `outputHiddenStates` a boolean. */
export function checkForwardOptions<T extends ForwardOptions>(options: T | undefined, keys: OptionKeys<T>, where: string): T {
  const checked = checkOptions(options, keys, where);
  if (checked.outputHiddenStates !== undefined && typeof checked.outputHiddenStates !== 'boolean') {
    throw new InputError(`${where}: outputHiddenStates must be a boolean, got ${describe(checked.outputHiddenStates)}`);
  }
  return checked;
}

/** What {@link DebertaModel.forward} returns. */
export interface ModelOutput {
  /** [batch, seq, hidden]: the last layer's output. */
  lastHiddenState: Tensor;
  /** With `outputHiddenStates`: the embeddings output, then each layer's output, each [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
}

/** The backbone's full result for one batch, for heads that need more than the last hidden state. */
export interface BackboneResult {
  inputs: BatchInputs;
  attention: AttentionInput;
  rel: RelativeContext | null;
  /** The embeddings output, then each layer's output: [batch, seq, hidden] each. */
  states: Float32Array[];
}

/** Config and tensors accepted by `fromWeights`: a parsed or raw config, and a Map or a plain object of tensors. */
export type WeightsInput = TensorMap | Record<string, Tensor>;

/** Turns user-supplied weights into a Map. */
export function toTensorMap(weights: WeightsInput): TensorMap {
  if (weights instanceof Map) return weights;
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights)) {
    throw new InputError(`weights must be a Map or a plain object of Tensors keyed like a checkpoint, got ${describe(weights)}`);
  }
  return new Map(Object.entries(weights));
}

/** Accepts a parsed config or a raw config.json object. */
export function toConfig(config: DebertaConfig | Record<string, unknown>): DebertaConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(`config must be a config.json object or a parsed DebertaConfig, got ${describe(config)}`);
  }
  return 'modelType' in config && 'hiddenSize' in config ? (config as DebertaConfig) : parseConfig(config);
}

/**
 * DeBERTa's backbone (`DebertaModel` / `DebertaV2Model`): embeddings, then the encoder with
 * disentangled attention. Gives the hidden states transformers gives.
 *
 * ```ts
 * const model = await DebertaModel.fromPretrained('path/to/checkpoint');
 * const { lastHiddenState } = await model.forward({ inputIds: [[1, 42, 2]] });
 * ```
 */
export class DebertaModel {
  readonly config: DebertaConfig;
  readonly embeddings: DebertaEmbeddings;
  readonly encoder: DebertaEncoder;
  private readonly bound: BoundBackend;
  private disposed = false;

  /**
   * Builds the model from `(config, weights)` where the weights are scoped at the backbone (no `deberta.`
   * prefix), on `bound`'s backend (default: the shared one). Use `fromPretrained` / `fromWeights`.
   * @internal
   */
  constructor(config: DebertaConfig, weights: Weights, bound: BoundBackend = { backend: null, owned: false }) {
    this.config = config;
    this.bound = bound;
    [this.embeddings, this.encoder] = withBackend(bound.backend, () => [
      new DebertaEmbeddings(config, weights.scope('embeddings')),
      new DebertaEncoder(config, weights.scope('encoder')),
    ] as const);
  }

  /**
   * Loads a checkpoint: config.json + weights, from a folder (Node), a URL or a Hub id.
   * Task checkpoints (keys under `deberta.`) load too; their head tensors are ignored.
   */
  static async fromPretrained(source: string | URL | FileSource, options?: LoadOptions & ComputeOptions): Promise<DebertaModel> {
    options = checkOptions(options, FROM_PRETRAINED_OPTION_KEYS, 'DebertaModel.fromPretrained');
    const ckpt = await loadCheckpoint(source, options);
    return ownBackendDuring(bindBackend(options), (bound) => new DebertaModel(parseConfig(ckpt.config), backboneWeights(ckpt.tensors, ckpt.source), bound));
  }

  /** Builds a model from a config (parsed or raw config.json object) and tensors keyed like a checkpoint. */
  static fromWeights(config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options?: ComputeOptions): DebertaModel {
    options = checkOptions(options, COMPUTE_OPTION_KEYS, 'DebertaModel.fromWeights');
    return ownBackendDuring(bindBackend(options), (bound) => new DebertaModel(toConfig(config), backboneWeights(toTensorMap(weights), 'weights'), bound));
  }

  /** Runs `fn` on this model's backend; every kernel call of a forward goes through here. */
  compute<T>(fn: () => T): T {
    if (this.disposed) throw new InputError('this model was disposed');
    return withBackend(this.bound.backend, fn);
  }

  /**
   * Frees the packed weights and stops this model's worker threads (when `numThreads` gave it its own).
   * Later calls to `forward` throw. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.encoder.dispose();
    this.embeddings.dispose();
    releaseBackend(this.bound);
  }

  /**
   * Runs the backbone and keeps everything heads may need (call inside {@link compute}).
   * @internal
   */
  run(inputs: ModelInputs): BackboneResult {
    const batch = prepareInputs(inputs, this.config);
    const attention: AttentionInput = { batch: batch.batch, length: batch.length, mask: batch.mask };
    const rel = this.encoder.relativeContext(batch.length);
    const embedded = this.embeddings.forward(batch.ids, batch.typeIds, batch.mask, batch.batch, batch.length);
    const states = [embedded, ...this.encoder.forward(embedded, attention, rel)];
    return { inputs: batch, attention, rel, states };
  }

  /** Hidden states for a batch of token ids. Async so that threaded backends need no API change. */
  async forward(inputs: ModelInputs, options?: ForwardOptions): Promise<ModelOutput> {
    options = checkForwardOptions(options, FORWARD_OPTION_KEYS, 'DebertaModel.forward');
    const run = this.compute(() => this.run(inputs));
    const states = hiddenStateTensors(run, this.config.hiddenSize);
    const out: ModelOutput = { lastHiddenState: states[states.length - 1] };
    if (options.outputHiddenStates) out.hiddenStates = states;
    return out;
  }
}

/** A run's hidden states as Tensors [batch, seq, hidden] (views, no copies). */
export function hiddenStateTensors(run: BackboneResult, hiddenSize: number): Tensor[] {
  const shape = [run.inputs.batch, run.inputs.length, hiddenSize];
  return run.states.map((s) => new Tensor(s, shape));
}

/** Builds something on a freshly bound backend, stopping the backend's workers if building fails. */
export function ownBackendDuring<T>(bound: BoundBackend, build: (bound: BoundBackend) => T): T {
  try {
    return withBackend(bound.backend, () => build(bound));
  } catch (e) {
    releaseBackend(bound);
    throw e;
  }
}

/**
 * The backbone's view of a checkpoint: a bare model stores `embeddings.*`, a task model `deberta.embeddings.*`.
 */
export function backboneWeights(tensors: TensorMap, source: string): Weights {
  if (tensors.has('deberta.embeddings.word_embeddings.weight')) return new Weights(tensors, 'deberta.', source);
  if (tensors.has('embeddings.word_embeddings.weight')) return new Weights(tensors, '', source);
  throw new WeightsError(`${source}: no "embeddings.word_embeddings.weight" or "deberta.embeddings.word_embeddings.weight"; not a DeBERTa checkpoint`);
}
