import { Tensor } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import type { ModelInputs } from '../inputs.js';
import { Linear } from '../linear.js';
import type { Backend } from '../../tensor/backend.js';
import type { Weights } from '../weights.js';
import { rowOf, stateRows, unpackOutput } from '../deberta-model.js';
import { DebertaTaskModel, type BackboneOutputs, type HeadForwardOptions, type LogitsOutput } from './base.js';
import { ContextPooler } from './pooler.js';

/**
 * Sequence classification (`DebertaForSequenceClassification` / `DebertaV2ForSequenceClassification`):
 * logits = classifier(pooler(h)) -> [batch, num_labels]. Labels: `config.id2label`.
 */
export class DebertaForSequenceClassification extends DebertaTaskModel {
  readonly pooler: ContextPooler;
  readonly classifier: Linear;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    this.pooler = new ContextPooler(this.backend, config, this.headWeights.scope('pooler'));
    this.classifier = new Linear(this.backend, this.headWeights.scope('classifier'), config.poolerHiddenSize, config.numLabels);
  }

  protected headModules() {
    return [this.pooler, this.classifier];
  }

  /** logits [batch, num_labels], from the pooled first token. */
  async forward(inputs: ModelInputs, options?: HeadForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const run = this.runBackbone(inputs, options);
      const { batch, length } = run.inputs;
      const pooled = this.pooler.forward(run.states[run.states.length - 1], batch, length, (b) => rowOf(run, b, 0)); // [batch, pooler_hidden]
      const logits = this.classifier.forward(pooled, batch); // [batch, num_labels]
      return { logits: new Tensor(logits, [batch, this.config.numLabels]), ...this.backboneOutputs(run, options) };
    });
  }
}

/** Token classification: logits = classifier(h) at every position -> [batch, seq, num_labels]. */
export class DebertaForTokenClassification extends DebertaTaskModel {
  readonly classifier: Linear;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    this.classifier = new Linear(this.backend, this.headWeights.scope('classifier'), config.hiddenSize, config.numLabels);
  }

  protected headModules() {
    return [this.classifier];
  }

  /** logits [batch, seq, num_labels]. */
  async forward(inputs: ModelInputs, options?: HeadForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const run = this.runBackbone(inputs, options);
      const { batch, length } = run.inputs;
      const n = this.config.numLabels;
      const logits = unpackOutput(run, this.classifier.forward(run.states[run.states.length - 1], stateRows(run)), n); // [batch·seq, n]
      return { logits: new Tensor(logits, [batch, length, n]), ...this.backboneOutputs(run, options) };
    });
  }
}

/** What {@link DebertaForQuestionAnswering.forward} returns. */
export interface QuestionAnsweringOutput extends BackboneOutputs {
  /** [batch, seq]: score of each token as the answer's first token. */
  startLogits: Tensor;
  /** [batch, seq]: score of each token as the answer's last token. */
  endLogits: Tensor;
}

/** Extractive question answering: `qa_outputs` Linear(hidden, 2) split into start and end logits. */
export class DebertaForQuestionAnswering extends DebertaTaskModel {
  readonly qaOutputs: Linear;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    this.qaOutputs = new Linear(this.backend, this.headWeights.scope('qa_outputs'), config.hiddenSize, 2);
  }

  protected headModules() {
    return [this.qaOutputs];
  }

  /** startLogits and endLogits, each [batch, seq]. */
  async forward(inputs: ModelInputs, options?: HeadForwardOptions): Promise<QuestionAnsweringOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const run = this.runBackbone(inputs, options);
      const { batch, length } = run.inputs;
      const both = unpackOutput(run, this.qaOutputs.forward(run.states[run.states.length - 1], stateRows(run)), 2); // [batch, seq, 2]
      const start = new Float32Array(batch * length);
      const end = new Float32Array(batch * length);
      for (let t = 0; t < batch * length; t++) {
        start[t] = both[2 * t];
        end[t] = both[2 * t + 1];
      }
      return {
        startLogits: new Tensor(start, [batch, length]),
        endLogits: new Tensor(end, [batch, length]),
        ...this.backboneOutputs(run, options),
      };
    });
  }
}
