import type { Backend } from '../tensor/backend.js';
import { Linear } from '../model/linear.js';
import type { Weights } from '../model/weights.js';

/**
 * GLiNER's token-level head (`scorer`, `Scorer`): t = proj_token(words) as [W, 2, H], l = proj_label(labels)
 * as [C, 2, H]; for each (word, label) out_mlp([t0 ; l0 ; t1 · l1]) with out_mlp = Linear(3H, 4H) -> Dropout ->
 * ReLU -> Linear(4H, 3): logits [W, C, 3] (start, end, inside).
 */
export class TokenHead {
  private readonly projToken: Linear;
  private readonly projLabel: Linear;
  private readonly mlp0: Linear;
  private readonly mlp3: Linear;

  constructor(private readonly backend: Backend, w: Weights, private readonly hiddenSize: number) {
    const H = hiddenSize;
    this.projToken = new Linear(backend, w.scope('proj_token'), H, 2 * H);
    this.projLabel = new Linear(backend, w.scope('proj_label'), H, 2 * H);
    this.mlp0 = new Linear(backend, w.scope('out_mlp.0'), 3 * H, 4 * H);
    this.mlp3 = new Linear(backend, w.scope('out_mlp.3'), 4 * H, 3);
  }

  /** words [W, H], labels [C, H] -> logits [W, C, 3]. */
  forward(words: Float32Array, numWords: number, labels: Float32Array, numLabels: number): Float32Array {
    const H = this.hiddenSize;
    const t = this.projToken.forward(words, numWords);
    const l = this.projLabel.forward(labels, numLabels);
    const rows = numWords * numLabels;
    const x = new Float32Array(rows * 3 * H);
    for (let w = 0; w < numWords; w++) {
      for (let c = 0; c < numLabels; c++) {
        const o = (w * numLabels + c) * 3 * H;
        const to = w * 2 * H; // t[w, 0] at to, t[w, 1] at to + H
        const lo = c * 2 * H;
        for (let j = 0; j < H; j++) {
          x[o + j] = t[to + j];
          x[o + H + j] = l[lo + j];
          x[o + 2 * H + j] = t[to + H + j] * l[lo + H + j];
        }
      }
    }
    const hidden = this.mlp0.forward(x, rows);
    this.backend.activate({ activation: 'relu', x: hidden });
    return this.mlp3.forward(hidden, rows);
  }

  dispose(): void {
    for (const m of [this.projToken, this.projLabel, this.mlp0, this.mlp3]) m.dispose();
  }
}
