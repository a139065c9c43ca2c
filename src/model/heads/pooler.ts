import type { Backend } from '../../tensor/backend.js';
import type { DebertaConfig } from '../config.js';
import { Linear } from '../linear.js';
import type { Weights } from '../weights.js';

/** `pooler` (ContextPooler): act(dense(h[:, 0])) with `pooler_hidden_act`. */
export class ContextPooler {
  readonly dense: Linear;

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    this.dense = new Linear(backend, w.scope('dense'), config.hiddenSize, config.poolerHiddenSize);
  }

  /**
   * hidden [batch, length, hidden] -> [batch, pooler_hidden]. row: the row of `hidden` holding sequence b's
   * first token (default b · length; packed runs pass their own).
   */
  forward(hidden: Float32Array, batch: number, length: number, row = (b: number) => b * length): Float32Array {
    const H = this.config.hiddenSize;
    const first = new Float32Array(batch * H); // [batch, hidden]: each sequence's first token
    for (let b = 0; b < batch; b++) first.set(hidden.subarray(row(b) * H, row(b) * H + H), b * H);
    const pooled = this.dense.forward(first, batch);
    this.backend.activate({ activation: this.config.poolerHiddenAct, x: pooled });
    return pooled;
  }

  /** Frees packed weights. */
  dispose(): void {
    this.dense.dispose();
  }
}
