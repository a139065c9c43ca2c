import type { Backend } from '../../tensor/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import type { ModelInputs } from '../inputs.js';
import { LayerNorm } from '../layer-norm.js';
import { Linear } from '../linear.js';
import { unpackRows, type PackedLayout } from '../packing.js';
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
      if (run.packed !== undefined) {
        const { rows, rowOf } = this.packedInputs(h, run.packed);
        const logits = unpackRows(this.logits(rows, rows.length / H), 1, rowOf);
        return { logits: new Tensor(logits, [batch, length]), ...this.backboneOutputs(run, options) };
      }
      const x = new Float32Array(h.length); // [batch, seq, hidden]: h + h[CLS] of its sequence
      for (let b = 0; b < batch; b++) {
        const cls = b * length * H;
        for (let t = 0; t < length; t++) {
          const o = (b * length + t) * H;
          K.add({ a: h, aOffset: o, b: h, bOffset: cls, out: x, outOffset: o, length: H });
        }
      }
      const logits = this.logits(x, batch * length); // [batch·seq, 1]
      return { logits: new Tensor(logits, [batch, length]), ...this.backboneOutputs(run, options) };
    });
  }

  /** x = h + h[CLS] [rows, hidden] (normalised in place) -> logits [rows, 1]. */
  private logits(x: Float32Array, rows: number): Float32Array {
    this.norm.forward(x);
    const y = this.dense.forward(x, rows);
    this.backend.activate({ activation: this.config.hiddenAct, x: y });
    return this.classifier.forward(y, rows);
  }

  /**
   * The head's input rows of a packed run, h + h[CLS] of the row's sequence: the spans' rows, then one row per
   * sequence with padded positions (the padded row plus its [CLS]), and which row each position reads.
   */
  private packedInputs(h: Float32Array, layout: PackedLayout): { rows: Float32Array; rowOf: Int32Array } {
    const K = this.backend;
    const H = this.config.hiddenSize;
    const { batch, length, tokens } = layout;
    const rowOf = layout.rowOf.slice();
    const padRow = new Int32Array(batch).fill(-1);
    let n = tokens;
    for (let i = 0; i < rowOf.length; i++) {
      if (rowOf[i] !== tokens) continue;
      const b = Math.floor(i / length);
      if (padRow[b] < 0) padRow[b] = n++;
      rowOf[i] = padRow[b];
    }
    const rows = new Float32Array(n * H);
    for (let b = 0; b < batch; b++) {
      const cls = layout.rowOf[b * length] * H; // the state row of the sequence's position 0
      for (let k = 0; k < layout.count[b]; k++) {
        const o = (layout.start[b] + k) * H;
        K.add({ a: h, aOffset: o, b: h, bOffset: cls, out: rows, outOffset: o, length: H });
      }
      if (padRow[b] >= 0) K.add({ a: h, aOffset: tokens * H, b: h, bOffset: cls, out: rows, outOffset: padRow[b] * H, length: H });
    }
    return { rows, rowOf };
  }
}
