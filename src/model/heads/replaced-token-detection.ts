import type { BoundBackend } from '../backend-options.js';
import { kernels } from '../../tensor/kernels.js';
import { Tensor, type TensorMap } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import type { ModelInputs } from '../inputs.js';
import { LayerNorm } from '../layer-norm.js';
import { Linear } from '../linear.js';
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

  constructor(config: DebertaConfig, tensors: TensorMap, source: string, bound?: BoundBackend) {
    super(config, tensors, source, bound);
    const w = this.headWeights.scope('mask_predictions');
    const H = config.hiddenSize;
    this.norm = new LayerNorm(w.scope('LayerNorm'), H, config.layerNormEps);
    this.dense = new Linear(w.scope('dense'), H, H);
    this.classifier = new Linear(w.scope('classifier'), H, 1);
  }

  protected headModules() {
    return [this.dense, this.classifier];
  }

  /** logits [batch, seq]: above 0 means the token looks replaced. */
  async forward(inputs: ModelInputs, options?: HeadForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options);
    return this.compute(() => {
      const K = kernels();
      const run = this.runBackbone(inputs);
      const { batch, length } = run.inputs;
      const H = this.config.hiddenSize;
      const h = run.states[run.states.length - 1];
      const x = new Float32Array(h.length); // [batch, seq, hidden]: h + h[CLS] of its sequence
      for (let b = 0; b < batch; b++) {
        const cls = h.subarray(b * length * H, b * length * H + H);
        for (let t = 0; t < length; t++) {
          const o = (b * length + t) * H;
          K.add(h.subarray(o, o + H), cls, x.subarray(o, o + H));
        }
      }
      this.norm.forward(x);
      const y = this.dense.forward(x, batch * length);
      K.activate(this.config.hiddenAct, y);
      const logits = this.classifier.forward(y, batch * length); // [batch·seq, 1]
      return { logits: new Tensor(logits, [batch, length]), hiddenStates: this.hiddenStates(run, options) };
    });
  }
}
