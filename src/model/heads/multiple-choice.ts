import { InputError } from '../../errors.js';
import type { Backend } from '../../tensor/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import { Linear } from '../linear.js';
import type { Weights } from '../weights.js';
import { rowOf } from '../deberta-model.js';
import { DebertaTaskModel, type HeadForwardOptions, type LogitsOutput } from './base.js';
import { ContextPooler } from './pooler.js';

/** Inputs of multiple choice: every field is [batch][choices][seq]. */
export interface MultipleChoiceInputs {
  inputIds: number[][][];
  attentionMask?: number[][][];
  tokenTypeIds?: number[][][];
}

/**
 * Multiple choice: each (question, choice) sequence is encoded and pooled, `classifier` Linear(hidden, 1)
 * scores it, and the scores are laid out [batch, choices].
 */
export class DebertaForMultipleChoice extends DebertaTaskModel {
  readonly pooler: ContextPooler;
  readonly classifier: Linear;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    this.pooler = new ContextPooler(this.backend, config, this.headWeights.scope('pooler'));
    this.classifier = new Linear(this.backend, this.headWeights.scope('classifier'), config.poolerHiddenSize, 1);
  }

  protected headModules() {
    return [this.pooler, this.classifier];
  }

  /** logits [batch, choices]. */
  async forward(inputs: MultipleChoiceInputs, options?: HeadForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const ids = inputs?.inputIds;
      if (!Array.isArray(ids) || ids.length === 0 || !Array.isArray(ids[0]) || !Array.isArray(ids[0][0])) {
        throw new InputError('multiple choice expects inputIds shaped [batch][choices][seq]');
      }
      const batch = ids.length;
      const choices = ids[0].length;
      const flatten = (name: string, x: number[][][] | undefined): number[][] | undefined => {
        if (x === undefined) return undefined;
        if (!Array.isArray(x) || x.length !== batch) throw new InputError(`${name} must be shaped [batch][choices][seq] like inputIds (${batch} rows)`);
        return x.flatMap((row, b) => {
          if (!Array.isArray(row) || row.length !== choices || !row.every(Array.isArray)) {
            throw new InputError(`${name}[${b}] must hold ${choices} sequences (choices), like inputIds[0]`);
          }
          return row;
        });
      };
      const run = this.runBackbone({
        inputIds: flatten('inputIds', ids)!,
        attentionMask: flatten('attentionMask', inputs.attentionMask),
        tokenTypeIds: flatten('tokenTypeIds', inputs.tokenTypeIds),
      }, options);
      const pooled = this.pooler.forward(run.states[run.states.length - 1], batch * choices, run.inputs.length, (b) => rowOf(run, b, 0));
      const logits = this.classifier.forward(pooled, batch * choices); // [batch·choices, 1]
      return { logits: new Tensor(logits, [batch, choices]), ...this.backboneOutputs(run, options) };
    });
  }
}
