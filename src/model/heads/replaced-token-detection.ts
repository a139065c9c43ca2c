import type { Backend } from '../../tensor/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import type { ModelInputs } from '../inputs.js';
import { LayerNorm } from '../layer-norm.js';
import { Linear } from '../linear.js';
import type { Weights } from '../weights.js';
import { DebertaTaskModel, type HeadForwardOptions, type LogitsOutput } from './base.js';

/**
 * Replaced-token detection, the ELECTRA-style discriminator of DeBERTa v3 (microsoft/DeBERTa's
 * `mask_predictions` head; transformers has none):
 *
 *   logits = classifier(act(dense(LN(h + h[CLS]))))   -> [batch, seq], > 0 means "replaced"
 */
export class DebertaForReplacedTokenDetection extends DebertaTaskModel {
  readonly norm: LayerNorm;
  readonly dense: Linear;
  readonly classifier: Linear;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    const w = this.headWeights.scope('mask_predictions');
    const H = config.hiddenSize;
    this.norm = new LayerNorm(this.backend, w.scope('LayerNorm'), H, config.layerNormEps);
    this.dense = new Linear(this.backend, w.scope('dense'), H, H);
    this.classifier = new Linear(this.backend, w.scope('classifier'), H, 1);
  }

  protected headModules() {
    return [this.dense, this.classifier];
  }

  /** logits [batch, seq]: above 0 means the token looks replaced. */
  async forward(inputs: ModelInputs, options?: HeadForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const K = this.backend;
      const run = this.runBackbone(inputs, options);
      const { batch, length } = run.inputs;
      const H = this.config.hiddenSize;
      const h = run.states[run.states.length - 1];
      const x = new Float32Array(h.length); // [batch, seq, hidden]: h + h[CLS] of its sequence
      for (let b = 0; b < batch; b++) {
        const cls = b * length * H;
        for (let t = 0; t < length; t++) {
          const o = (b * length + t) * H;
          K.add({ a: h, aOffset: o, b: h, bOffset: cls, out: x, outOffset: o, length: H });
        }
      }
      this.norm.forward(x);
      const y = this.dense.forward(x, batch * length);
      K.activate({ activation: this.config.hiddenAct, x: y });
      const logits = this.classifier.forward(y, batch * length); // [batch·seq, 1]
      return { logits: new Tensor(logits, [batch, length]), ...this.backboneOutputs(run, options) };
    });
  }
}
