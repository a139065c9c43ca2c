import type { Backend } from '../tensor/backend.js';
import type { Weights } from './weights.js';

/** torch.nn.LayerNorm over the last axis. Keys: `weight`, `bias`. */
export class LayerNorm {
  readonly weight: Float32Array;
  readonly bias: Float32Array;

  constructor(private readonly backend: Backend, w: Weights, readonly size: number, readonly eps: number) {
    this.weight = w.get('weight', [size]).data;
    this.bias = w.get('bias', [size]).data;
  }

  /** x [rows, size] normalised into `out` (default: in place). */
  forward(x: Float32Array, out = x): Float32Array {
    this.backend.layerNorm({ x, rows: x.length / this.size, cols: this.size, gamma: this.weight, beta: this.bias, eps: this.eps, out });
    return out;
  }
}
