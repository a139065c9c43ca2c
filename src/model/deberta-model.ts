import { WeightsError } from '../errors.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import type { FileSource, LoadOptions } from '../io/source.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';
import type { AttentionInput, RelativeContext } from './attention.js';
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
  return weights instanceof Map ? weights : new Map(Object.entries(weights));
}

/** Accepts a parsed config or a raw config.json object. */
export function toConfig(config: DebertaConfig | Record<string, unknown>): DebertaConfig {
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

  /** Builds the model from `(config, weights)` where the weights are scoped at the backbone (no `deberta.` prefix). */
  constructor(config: DebertaConfig, weights: Weights) {
    this.config = config;
    this.embeddings = new DebertaEmbeddings(config, weights.scope('embeddings'));
    this.encoder = new DebertaEncoder(config, weights.scope('encoder'));
  }

  /**
   * Loads a checkpoint: config.json + weights, from a folder (Node) or any {@link FileSource}.
   * Task checkpoints (keys under `deberta.`) load too; their head tensors are ignored.
   */
  static async fromPretrained(source: string | FileSource, options: LoadOptions = {}): Promise<DebertaModel> {
    const ckpt = await loadCheckpoint(source, options);
    return new DebertaModel(parseConfig(ckpt.config), backboneWeights(ckpt.tensors, ckpt.source));
  }

  /** Builds a model from a config (parsed or raw config.json object) and tensors keyed like a checkpoint. */
  static fromWeights(config: DebertaConfig | Record<string, unknown>, weights: WeightsInput): DebertaModel {
    return new DebertaModel(toConfig(config), backboneWeights(toTensorMap(weights), 'weights'));
  }

  /** Runs the backbone and keeps everything heads may need. */
  run(inputs: ModelInputs): BackboneResult {
    const batch = prepareInputs(inputs, this.config);
    const attention: AttentionInput = { batch: batch.batch, length: batch.length, mask: batch.mask };
    const rel = this.encoder.relativeContext(batch.length);
    const embedded = this.embeddings.forward(batch.ids, batch.typeIds, batch.mask, batch.batch, batch.length);
    const states = [embedded, ...this.encoder.forward(embedded, attention, rel)];
    return { inputs: batch, attention, rel, states };
  }

  /** Hidden states for a batch of token ids. Async so that threaded backends need no API change. */
  async forward(inputs: ModelInputs, options: ForwardOptions = {}): Promise<ModelOutput> {
    const { inputs: b, states } = this.run(inputs);
    const shape = [b.batch, b.length, this.config.hiddenSize];
    const out: ModelOutput = { lastHiddenState: new Tensor(states[states.length - 1], shape) };
    if (options.outputHiddenStates) out.hiddenStates = states.map((s) => new Tensor(s, shape));
    return out;
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
