import type { Backend } from '../tensor/backend.js';
import { Linear } from '../model/linear.js';
import type { Weights } from '../model/weights.js';

/**
 * GLiNER's `create_projection_layer`: Linear(a, 4b) -> ReLU -> Dropout -> Linear(4b, b), keys `0.*` and `3.*`
 * (dropout is inactive at inference).
 */
export class Mlp {
  private readonly first: Linear;
  private readonly second: Linear;

  constructor(private readonly backend: Backend, w: Weights, inFeatures: number, outFeatures: number) {
    this.first = new Linear(backend, w.scope('0'), inFeatures, 4 * outFeatures);
    this.second = new Linear(backend, w.scope('3'), 4 * outFeatures, outFeatures);
  }

  /** x [rows, in] -> [rows, out]. */
  forward(x: Float32Array, rows: number): Float32Array {
    const hidden = this.first.forward(x, rows);
    this.backend.activate({ activation: 'relu', x: hidden });
    return this.second.forward(hidden, rows);
  }

  dispose(): void {
    this.first.dispose();
    this.second.dispose();
  }
}
