import type { Backend, PackedMatrix } from '../tensor/backend.js';
import type { Weights } from './weights.js';

/** torch.nn.Linear: y = x W^T + b, with W [out, in] packed once at load. Keys: `weight`, `bias`. */
export class Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: PackedMatrix;
  readonly bias: Float32Array | null;

  constructor(
    private readonly backend: Backend,
    w: Weights | null,
    inFeatures: number,
    outFeatures: number,
    bias: boolean | Float32Array | null = true,
    weight?: Float32Array,
  ) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const W = weight ?? w!.get('weight', [outFeatures, inFeatures]).data;
    this.weight = backend.packB({ source: W, rows: inFeatures, cols: outFeatures, transposed: true });
    this.bias = typeof bias === 'boolean' ? (bias ? w!.get('bias', [outFeatures]).data : null) : bias;
  }

  /** A Linear from a weight [out, in] and bias already in memory (e.g. split out of a fused weight). */
  static fromArrays(backend: Backend, weight: Float32Array, bias: Float32Array | null, inFeatures: number, outFeatures: number): Linear {
    return new Linear(backend, null, inFeatures, outFeatures, bias, weight);
  }

  /** Frees the packed weight where it lives outside the JS heap (wasm memory); the layer is unusable afterwards. */
  dispose(): void {
    this.weight.dispose();
  }

  /** x [rows, in] -> [rows, out]; writes into `out` when given. */
  forward(x: Float32Array, rows: number, out = new Float32Array(rows * this.outFeatures)): Float32Array {
    this.backend.gemm({ m: rows, a: x, b: this.weight, out, bias: this.bias });
    return out;
  }
}
