import { loadCheckpoint } from '../../io/checkpoint.js';
import type { FileSource, LoadOptions } from '../../io/source.js';
import { Tensor, type TensorMap } from '../../tensor/tensor.js';
import { parseConfig, type DebertaConfig } from '../config.js';
import { bindBackend, type BoundBackend, type ComputeOptions } from '../backend-options.js';
import { checkOptions, type OptionKeys } from '../../options.js';
import { COMPUTE_OPTION_KEYS } from '../backend-options.js';
import { backboneWeights, checkForwardOptions, DebertaModel, FORWARD_OPTION_KEYS, FROM_PRETRAINED_OPTION_KEYS, hiddenStateTensors, ownBackendDuring, toConfig, toTensorMap, type BackboneResult, type WeightsInput } from '../deberta-model.js';
import type { ModelInputs } from '../inputs.js';
import { Weights } from '../weights.js';

/** Options of every head's `forward`. */
export interface HeadForwardOptions {
  /** Also return the backbone's embeddings output and every layer's output. */
  outputHiddenStates?: boolean;
}

/** What a head with one logits tensor returns. */
export interface LogitsOutput {
  logits: Tensor;
  /** With `outputHiddenStates`: the embeddings output, then each layer's output, each [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
}

/** A task model class: built from a config, a checkpoint's tensors and their source name. */
export interface HeadClass<T> {
  new (config: DebertaConfig, tensors: TensorMap, source: string, bound?: BoundBackend): T;
}

/**
 * A backbone (`deberta.*`) plus a task head whose tensors sit beside it, as transformers saves task models.
 * Subclasses build their head from `this.headWeights` in their constructor.
 */
export abstract class DebertaTaskModel {
  readonly config: DebertaConfig;
  /** The backbone. */
  readonly deberta: DebertaModel;
  /** The checkpoint's tensors at the root (head keys such as `classifier.weight`). */
  protected readonly headWeights: Weights;

  /**
   * Builds backbone and head on `bound`'s backend. Subclass constructors create their head modules after
   * this one returns, so construct through `fromPretrained` / `fromWeights` (or inside `withBackend`) when
   * the model has its own backend.
   */
  constructor(config: DebertaConfig, tensors: TensorMap, source: string, bound?: BoundBackend) {
    this.config = config;
    this.deberta = new DebertaModel(config, backboneWeights(tensors, source), bound);
    this.headWeights = new Weights(tensors, '', `${source} (${new.target.name} head)`);
  }

  /** Loads config.json and weights from a folder (Node), a URL or a Hub id. */
  static async fromPretrained<T>(this: HeadClass<T>, source: string | URL | FileSource, options?: LoadOptions & ComputeOptions): Promise<T> {
    options = checkOptions(options, FROM_PRETRAINED_OPTION_KEYS, `${this.name}.fromPretrained`);
    const ckpt = await loadCheckpoint(source, options);
    return ownBackendDuring(bindBackend(options), (bound) => new this(parseConfig(ckpt.config), ckpt.tensors, ckpt.source, bound));
  }

  /** Builds the model from a config (raw config.json object or parsed) and tensors keyed like a checkpoint. */
  static fromWeights<T>(this: HeadClass<T>, config: DebertaConfig | Record<string, unknown>, weights: WeightsInput, options?: ComputeOptions): T {
    options = checkOptions(options, COMPUTE_OPTION_KEYS, `${this.name}.fromWeights`);
    return ownBackendDuring(bindBackend(options), (bound) => new this(toConfig(config), toTensorMap(weights), 'weights', bound));
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

  /** Runs the backbone (inside {@link compute}). */
  protected runBackbone(inputs: ModelInputs): BackboneResult {
    return this.deberta.run(inputs);
  }

  /** Runs a forward's synchronous compute on the model's backend. */
  protected compute<T>(fn: () => T): T {
    return this.deberta.compute(fn);
  }
}
