import { loadCheckpoint } from '../../io/checkpoint.js';
import type { FileSource, LoadOptions } from '../../io/source.js';
import { Tensor, type TensorMap } from '../../tensor/tensor.js';
import { parseConfig, type DebertaConfig } from '../config.js';
import { backboneWeights, DebertaModel, toConfig, toTensorMap, type BackboneResult, type WeightsInput } from '../deberta-model.js';
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
  new (config: DebertaConfig, tensors: TensorMap, source: string): T;
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

  constructor(config: DebertaConfig, tensors: TensorMap, source: string) {
    this.config = config;
    this.deberta = new DebertaModel(config, backboneWeights(tensors, source));
    this.headWeights = new Weights(tensors, '', `${source} (${new.target.name} head)`);
  }

  /** Loads config.json and weights from a folder (Node) or any {@link FileSource}. */
  static async fromPretrained<T>(this: HeadClass<T>, source: string | FileSource, options: LoadOptions = {}): Promise<T> {
    const ckpt = await loadCheckpoint(source, options);
    return new this(parseConfig(ckpt.config), ckpt.tensors, ckpt.source);
  }

  /** Builds the model from a config (raw config.json object or parsed) and tensors keyed like a checkpoint. */
  static fromWeights<T>(this: HeadClass<T>, config: DebertaConfig | Record<string, unknown>, weights: WeightsInput): T {
    return new this(toConfig(config), toTensorMap(weights), 'weights');
  }

  /** Hidden states as Tensors, for `outputHiddenStates`. */
  protected hiddenStates(run: BackboneResult, options: HeadForwardOptions): Tensor[] | undefined {
    if (!options.outputHiddenStates) return undefined;
    const shape = [run.inputs.batch, run.inputs.length, this.config.hiddenSize];
    return run.states.map((s) => new Tensor(s, shape));
  }

  /** Runs the backbone. */
  protected runBackbone(inputs: ModelInputs): BackboneResult {
    return this.deberta.run(inputs);
  }
}
