import { InputError, WeightsError } from '../errors.js';
import type { FileSource } from '../io/file-source.js';
import { LOAD_OPTION_KEYS, type LoadOptions } from '../io/load-options.js';
import { boolOption, checkOptions, choiceOption, mergeKeys, type OptionKeys } from '../options.js';
import type { Backend } from '../tensor/backend.js';
import { defaultBackend, withBackend } from '../tensor/default-backend.js';
import { Tensor } from '../tensor/tensor.js';
import { attentionMapTensors, checkAttentionMapSize, type AttentionMapRequest, type AttentionMaps, type AttentionTerms, type LayerAttentionMaps } from './attention-maps.js';
import type { AttentionInput } from './attention.js';
import { COMPUTE_OPTION_KEYS, type ComputeOptions } from './backend-options.js';
import { buildModel, loadModel, type WeightsInput } from './build.js';
import type { DebertaConfig } from './config.js';
import { DebertaEmbeddings } from './embeddings.js';
import { DebertaEncoder } from './encoder.js';
import { prepareInputs, type BatchInputs, type ModelInputs } from './inputs.js';
import { packLayout, packValues, unpackRows, type PackedLayout } from './packing.js';
import { Arena } from './arena.js';
import type { RelativeContext } from './relative-projections.js';
import type { Weights } from './weights.js';

/** Options of `forward`. */
export interface ForwardOptions {
  /** Also return the embeddings output and every layer's output. */
  outputHiddenStates?: boolean;
  /**
   * Also return every encoder layer's attention probabilities [batch, heads, query, key] (transformers'
   * `output_attentions`; 0 at padded query rows and keys). Computed on a separate, slower path; outputs are unchanged.
   */
  outputAttentions?: boolean;
  /**
   * Also return every encoder layer's score terms before the softmax, c2c / c2p / p2c, each [batch, heads, query,
   * key] and already scaled: their sum, masked, is what the softmax sees. See {@link AttentionTerms}.
   */
  outputAttentionTerms?: boolean;
  /**
   * What padded positions (attention mask 0) cost. `'compute'` (default): the padded batch runs through every
   * layer as it is, padding included, as transformers runs it. `'skip'`: only the real tokens are computed,
   * packed back to back: embeddings, every projection, the feed-forward, LayerNorm and the head run on them
   * alone, and each sequence attends at its own length. Outputs at real positions equal `'compute'`'s to float
   * rounding (1e-5), and padded positions get transformers' values too, at no cost: a padded position attends
   * to nothing, so its hidden state is the same at every padded position of every input, computed once per
   * forward. (Each sequence is computed over its span, from its first to its last real token: holes in a
   * mask are computed as `'compute'` does.) Not with `outputAttentions` / `outputAttentionTerms`, whose maps
   * cover the padded pairs. Pipelines use `'skip'`.
   */
  padding?: PaddingMode;
}

/** How a forward treats padded positions: see {@link ForwardOptions.padding}. */
export type PaddingMode = 'compute' | 'skip';

/** Every {@link ForwardOptions} key. */
export const FORWARD_OPTION_KEYS: OptionKeys<ForwardOptions> = { outputHiddenStates: true, outputAttentions: true, outputAttentionTerms: true, padding: true };

/** The options of every `fromPretrained`: where to load from and how to compute. */
export const FROM_PRETRAINED_OPTION_KEYS = mergeKeys<LoadOptions, ComputeOptions>(LOAD_OPTION_KEYS, COMPUTE_OPTION_KEYS);

/**
 * Checks a forward's options object: known keys only, `outputHiddenStates` and the attention-map flags booleans,
 * `padding` one of its modes, and not `'skip'` with attention maps.
 */
export function checkForwardOptions<T extends ForwardOptions>(options: T | undefined, keys: OptionKeys<T>, where: string): T {
  const checked = checkOptions(options, keys, where);
  boolOption(checked.outputHiddenStates, 'outputHiddenStates', where);
  const probabilities = boolOption(checked.outputAttentions, 'outputAttentions', where);
  const terms = boolOption(checked.outputAttentionTerms, 'outputAttentionTerms', where);
  const padding = choiceOption(checked.padding, 'padding', ['compute', 'skip'] as const, where);
  if (padding === 'skip' && (probabilities === true || terms === true)) {
    throw new InputError(
      `${where}: padding 'skip' computes no padded positions, so it cannot give ${probabilities === true ? 'outputAttentions' : 'outputAttentionTerms'} ` +
        "(attention maps cover every padded pair); use padding 'compute' (the default) with attention maps",
    );
  }
  return checked;
}

/** Which attention maps a forward's options ask for, or undefined for none (the fast path). */
export function attentionMapRequest(options: ForwardOptions): AttentionMaps | undefined {
  const probabilities = options.outputAttentions === true;
  const terms = options.outputAttentionTerms === true;
  return probabilities || terms ? { probabilities, terms } : undefined;
}

/** What {@link DebertaModel.forward} returns. */
export interface ModelOutput {
  /** [batch, seq, hidden]: the last layer's output. */
  lastHiddenState: Tensor;
  /** With `outputHiddenStates`: the embeddings output, then each layer's output, each [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
  /** With `outputAttentions`: each encoder layer's attention probabilities [batch, heads, seq, seq]. */
  attentions?: Tensor[];
  /** With `outputAttentionTerms`: each encoder layer's scaled score terms, each [batch, heads, seq, seq] or null. */
  attentionTerms?: AttentionTerms[];
}

/** The backbone's full result for one batch, for heads that need more than the last hidden state. */
export interface BackboneResult {
  inputs: BatchInputs;
  attention: AttentionInput;
  rel: RelativeContext | null;
  /** The embeddings output, then each layer's output: [batch, seq, hidden] each. */
  states: Float32Array[];
  /** Each encoder layer's attention maps, when the run was asked for them. */
  maps?: LayerAttentionMaps[];
  /** What the maps hold, when asked for. */
  mapRequest?: AttentionMaps;
  /**
   * Set by `padding: 'skip'`: `states` (and whatever heads compute from them) are then packed rows
   * [packed.rows, hidden], which `packed.rowOf` lays out [batch, seq] again (model/packing.ts).
   */
  packed?: PackedLayout;
}

export type { WeightsInput } from './build.js';

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
  /** The backend every kernel of this model runs on, given when it was built. */
  readonly backend: Backend;
  readonly embeddings: DebertaEmbeddings;
  readonly encoder: DebertaEncoder;
  private readonly ownsBackend: boolean;
  private disposed = false;

  /**
   * Builds the model on `backend`. `fromPretrained` and `fromWeights` load, check and pick the backend first;
   * this is what they end with.
   *
   * @param config the parsed config
   * @param weights the checkpoint's tensors at their root keys; the backbone's are under `deberta.` in task
   *   checkpoints and at the root in bare ones
   * @param backend the backend to pack weights for and compute on (default: the current default backend)
   * @param ownsBackend the backend was made for this model: {@link dispose} disposes it too
   */
  /** Reusable activation buffers of every forward (model/arena.ts): a forward allocates only what it returns. */
  readonly arena: Arena;

  constructor(config: DebertaConfig, weights: Weights, backend: Backend = defaultBackend(), ownsBackend = false) {
    this.config = config;
    this.backend = backend;
    this.arena = new Arena(backend);
    this.ownsBackend = ownsBackend;
    const backbone = backboneWeights(weights);
    this.embeddings = new DebertaEmbeddings(backend, config, backbone.scope('embeddings'), this.arena);
    this.encoder = new DebertaEncoder(backend, config, backbone.scope('encoder'), this.arena);
  }

  /**
   * Loads a checkpoint: config.json + weights, from a folder (Node), a URL or a Hub id.
   * Task checkpoints (keys under `deberta.`) load too; their head tensors are ignored.
   */
  static async fromPretrained(source: string | URL | FileSource, options?: LoadOptions & ComputeOptions): Promise<DebertaModel> {
    options = checkOptions(options, FROM_PRETRAINED_OPTION_KEYS, 'DebertaModel.fromPretrained');
    return loadModel(DebertaModel, source, options);
  }

  /** Builds a model from a config (parsed or raw config.json object) and tensors keyed like a checkpoint. */
  static fromWeights(config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options?: ComputeOptions): DebertaModel {
    options = checkOptions(options, COMPUTE_OPTION_KEYS, 'DebertaModel.fromWeights');
    return buildModel(DebertaModel, config, weights, options);
  }

  /**
   * Runs `fn` with this model's backend, which is also the default backend while `fn` runs (so `kernels()`
   * inside returns it, as it did when models switched the default around their compute).
   * @deprecated The model's kernels no longer go through here: read {@link backend} instead.
   */
  compute<T>(fn: (backend: Backend) => T): T {
    this.checkUsable();
    return withBackend(this.backend, () => fn(this.backend));
  }

  /**
   * Throws once the model is disposed; every forward starts with it.
   * @internal
   */
  checkUsable(): void {
    if (this.disposed) throw new InputError('this model was disposed');
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
    this.arena.clear();
    if (this.ownsBackend) this.backend.dispose?.();
  }

  /**
   * Runs the backbone and keeps everything heads may need (after {@link checkUsable}).
   * @internal
   */
  run(inputs: ModelInputs, maps?: AttentionMaps, where = 'DebertaModel.forward', padding: PaddingMode = 'compute'): BackboneResult {
    const batch = prepareInputs(inputs, this.config);
    if (padding === 'skip' && maps === undefined) return this.runPacked(batch);
    const { numHiddenLayers: layers, numAttentionHeads: heads } = this.config;
    // Before any compute: a request that cannot fit fails at once, naming the size it would need.
    if (maps !== undefined) checkAttentionMapSize(maps, { layers, batch: batch.batch, heads, length: batch.length }, where);
    const attention: AttentionInput = { batch: batch.batch, length: batch.length, mask: batch.mask };
    const rel = this.encoder.relativeContext(batch.length);
    const embedded = this.embeddings.forward(batch.ids, batch.typeIds, batch.mask, batch.batch, batch.length);
    const request: AttentionMapRequest | undefined = maps && { ...maps, out: [] };
    const states = [embedded, ...this.encoder.forward(embedded, attention, rel, request)];
    return request === undefined ? { inputs: batch, attention, rel, states } : { inputs: batch, attention, rel, states, maps: request.out, mapRequest: maps };
  }

  /** {@link run} with `padding: 'skip'`: the real tokens only, packed (model/packing.ts). */
  private runPacked(batch: BatchInputs): BackboneResult {
    const layout = packLayout(batch.mask, batch.batch, batch.length);
    const attention: AttentionInput = { batch: batch.batch, length: batch.length, mask: batch.mask };
    const rel = layout.maxCount > 0 ? this.encoder.relativeContext(layout.maxCount) : null;
    const ids = packValues(batch.ids, layout);
    const typeIds = batch.typeIds && packValues(batch.typeIds, layout);
    const embedded = this.embeddings.forward(ids, typeIds, layout.mask, 1, layout.rows, layout.columns);
    const states = [embedded, ...this.encoder.forwardPacked(embedded, layout, rel)];
    return { inputs: batch, attention, rel, states, packed: layout };
  }

  /** Hidden states for a batch of token ids. Async so that threaded backends need no API change. */
  async forward(inputs: ModelInputs, options?: ForwardOptions): Promise<ModelOutput> {
    options = checkForwardOptions(options, FORWARD_OPTION_KEYS, 'DebertaModel.forward');
    this.checkUsable();
    const run = this.run(inputs, attentionMapRequest(options), 'DebertaModel.forward', options.padding);
    const maps = attentionMapOutputs(run, this.config);
    if (!options.outputHiddenStates) return { lastHiddenState: stateTensor(run, run.states.length - 1, this.config.hiddenSize), ...maps };
    const states = hiddenStateTensors(run, this.config.hiddenSize);
    return { lastHiddenState: states[states.length - 1], hiddenStates: states, ...maps };
  }
}

/** A run's attention maps as the public `attentions` / `attentionTerms` (absent when not asked for). */
export function attentionMapOutputs(run: BackboneResult, config: DebertaConfig): { attentions?: Tensor[]; attentionTerms?: AttentionTerms[] } {
  if (run.maps === undefined || run.mapRequest === undefined) return {};
  const L = run.inputs.length;
  return attentionMapTensors(run.maps, run.mapRequest, [run.inputs.batch, config.numAttentionHeads, L, L]);
}

/**
 * A run's hidden states as Tensors [batch, seq, hidden]: copies, since the states live in the model's
 * arena until the next forward (laid out again when packed).
 */
export function hiddenStateTensors(run: BackboneResult, hiddenSize: number): Tensor[] {
  return run.states.map((_, i) => stateTensor(run, i, hiddenSize));
}

/** State `i` of a run (0: embeddings) as a Tensor [batch, seq, hidden] of its own. */
function stateTensor(run: BackboneResult, i: number, hiddenSize: number): Tensor {
  const s = run.states[i];
  const data = run.packed === undefined ? s.slice() : unpackRows(s, hiddenSize, run.packed.rowOf);
  return new Tensor(data, [run.inputs.batch, run.inputs.length, hiddenSize]);
}

/** The row of a run's states (and per-token head outputs) that position t of sequence b reads. */
export function rowOf(run: BackboneResult, b: number, t: number): number {
  const i = b * run.inputs.length + t;
  return run.packed === undefined ? i : run.packed.rowOf[i];
}

/** Rows of a run's states: batch · seq, or the packed rows. */
export function stateRows(run: BackboneResult): number {
  return run.packed === undefined ? run.inputs.batch * run.inputs.length : run.packed.rows;
}

/** A per-token output [stateRows(run), cols] laid out [batch · seq, cols] (itself when the run was not packed). */
export function unpackOutput(run: BackboneResult, x: Float32Array, cols: number): Float32Array {
  return run.packed === undefined ? x : unpackRows(x, cols, run.packed.rowOf);
}

/**
 * The backbone's view of a checkpoint: a bare model stores `embeddings.*`, a task model `deberta.embeddings.*`.
 */
function backboneWeights(weights: Weights): Weights {
  if (weights.has('deberta.embeddings.word_embeddings.weight')) return weights.scope('deberta');
  if (weights.has('embeddings.word_embeddings.weight')) return weights;
  throw new WeightsError(`${weights.source}: no "embeddings.word_embeddings.weight" or "deberta.embeddings.word_embeddings.weight"; not a DeBERTa checkpoint`);
}
