import type { FileSource } from '../../io/file-source.js';
import type { LoadOptions } from '../../io/load-options.js';
import { checkOptions, type OptionKeys } from '../../options.js';
import type { Backend } from '../../tensor/backend.js';
import { defaultBackend } from '../../tensor/default-backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { COMPUTE_OPTION_KEYS, type ComputeOptions } from '../backend-options.js';
import { buildModel, loadModel, type ModelClass, type WeightsInput } from '../build.js';
import type { DebertaConfig } from '../config.js';
import type { AttentionTerms } from '../attention-maps.js';
import {
  attentionMapOutputs,
  attentionMapRequest,
  checkForwardOptions,
  DebertaModel,
  FORWARD_OPTION_KEYS,
  FROM_PRETRAINED_OPTION_KEYS,
  hiddenStateTensors,
  type BackboneResult,
  type PaddingMode,
} from '../deberta-model.js';
import type { ModelInputs } from '../inputs.js';
import type { Weights } from '../weights.js';

/** Options of every head's `forward`. */
export interface HeadForwardOptions {
  /** Also return the backbone's embeddings output and every layer's output. */
  outputHiddenStates?: boolean;
  /** Also return every encoder layer's attention probabilities (as `DebertaModel.forward`). */
  outputAttentions?: boolean;
  /** Also return every encoder layer's scaled c2c / c2p / p2c score terms (as `DebertaModel.forward`). */
  outputAttentionTerms?: boolean;
  /**
   * `'skip'`: compute the real tokens only, packed, the head included (see `ForwardOptions.padding`); logits
   * at real positions equal the default `'compute'`'s to float rounding, and at padded positions are
   * transformers' values too. Pipelines use it.
   */
  padding?: PaddingMode;
}

/**
 * What every head returns besides its logits, when asked. The maps are the backbone's, over the sequences it
 * ran: for multiple choice, [batch · choices, heads, seq, seq].
 */
export interface BackboneOutputs {
  /** With `outputHiddenStates`: the embeddings output, then each layer's output, each [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
  /** With `outputAttentions`: each encoder layer's attention probabilities [batch, heads, seq, seq]. */
  attentions?: Tensor[];
  /** With `outputAttentionTerms`: each encoder layer's scaled score terms [batch, heads, seq, seq] (or null). */
  attentionTerms?: AttentionTerms[];
}

/** What a head with one logits tensor returns. */
export interface LogitsOutput extends BackboneOutputs {
  logits: Tensor;
}

/**
 * A backbone (`deberta.*`) plus a task head whose tensors sit beside it, as transformers saves task models.
 * Subclasses build their head from `this.headWeights` in their constructor.
 */
export abstract class DebertaTaskModel {
  readonly config: DebertaConfig;
  /** The backend of the backbone and the head, given when the model was built. */
  readonly backend: Backend;
  /** The backbone. */
  readonly deberta: DebertaModel;
  /** The checkpoint's tensors at the root (head keys such as `classifier.weight`). */
  protected readonly headWeights: Weights;

  /**
   * Builds the backbone on `backend`; subclasses then build their head from {@link headWeights} on
   * {@link backend}. `fromPretrained` and `fromWeights` load, check and pick the backend, then call this.
   *
   * @param config the parsed config
   * @param weights the checkpoint's tensors at their root keys (backbone under `deberta.`, head beside it)
   * @param backend the backend to pack weights for and compute on (default: the current default backend)
   * @param ownsBackend the backend was made for this model: {@link dispose} disposes it too
   */
  constructor(config: DebertaConfig, weights: Weights, backend: Backend = defaultBackend(), ownsBackend = false) {
    this.config = config;
    this.backend = backend;
    this.deberta = new DebertaModel(config, weights, backend, ownsBackend);
    this.headWeights = weights.withSource(`${weights.source} (${new.target.name} head)`);
  }

  /** Loads config.json and weights from a folder (Node), a URL or a Hub id. */
  static async fromPretrained<T>(this: ModelClass<T>, source: string | URL | FileSource, options?: LoadOptions & ComputeOptions): Promise<T> {
    options = checkOptions(options, FROM_PRETRAINED_OPTION_KEYS, `${this.name}.fromPretrained`);
    return loadModel(this, source, options);
  }

  /** Builds the model from a config (raw config.json object or parsed) and tensors keyed like a checkpoint. */
  static fromWeights<T>(this: ModelClass<T>, config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options?: ComputeOptions): T {
    options = checkOptions(options, COMPUTE_OPTION_KEYS, `${this.name}.fromWeights`);
    return buildModel(this, config, weights, options);
  }

  /** Frees packed weights (head and backbone) and stops the model's own worker threads. Idempotent. */
  dispose(): void {
    for (const m of this.headModules()) m.dispose();
    this.deberta.dispose();
  }

  /** The head's modules holding packed weights, for {@link dispose}. */
  protected abstract headModules(): Array<{ dispose(): void }>;

  /** Checks a forward's options (known keys only; `keys` defaults to {@link HeadForwardOptions}'). */
  protected forwardOptions<O extends HeadForwardOptions>(options: O | undefined, keys: OptionKeys<O> = FORWARD_OPTION_KEYS as OptionKeys<O>): O {
    return checkForwardOptions(options, keys, `${this.constructor.name}.forward`);
  }

  /** Hidden states as Tensors, for `outputHiddenStates`. */
  protected hiddenStates(run: BackboneResult, options: HeadForwardOptions): Tensor[] | undefined {
    return options.outputHiddenStates ? hiddenStateTensors(run, this.config.hiddenSize) : undefined;
  }

  /** Hidden states and attention maps, as the options ask: spread into a head's output. */
  protected backboneOutputs(run: BackboneResult, options: HeadForwardOptions): BackboneOutputs {
    return { hiddenStates: this.hiddenStates(run, options), ...attentionMapOutputs(run, this.config) };
  }

  /** Runs the backbone (inside {@link compute}), with the attention maps the options ask for. */
  protected runBackbone(inputs: ModelInputs, options: HeadForwardOptions = {}): BackboneResult {
    return this.deberta.run(inputs, attentionMapRequest(options), `${this.constructor.name}.forward`, options.padding);
  }

  /** Runs a forward's synchronous part, after checking that the model was not disposed. */
  protected compute<T>(fn: () => T): T {
    this.deberta.checkUsable();
    return fn();
  }
}
