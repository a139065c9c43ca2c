import type { Activation, Backend, PackedMatrix, PackedQ8Matrix } from '../tensor/backend.js';
import { integerOps, type IntegerOps } from '../tensor/default-backend.js';
import type { Int8Rows } from '../tensor/quant.js';
import type { Weights } from './weights.js';

/**
 * torch.nn.Linear: y = x W^T + b, with W [out, in] packed once at load. Keys: `weight`, `bias`.
 *
 * Under `dtype: 'q8'` W is int8 per output channel (stored so, or quantized at load) and the product runs
 * on integers (`Backend.gemmQ8`); the bias stays float32.
 */
export class Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** W packed for `gemm` (fp32), or null under q8. */
  readonly weight: PackedMatrix | null;
  /** W packed for `gemmQ8` (q8), or null under fp32. */
  readonly weightQ8: PackedQ8Matrix | null;
  readonly bias: Float32Array | null;
  private readonly int: IntegerOps | null;

  constructor(
    private readonly backend: Backend,
    w: Weights | null,
    inFeatures: number,
    outFeatures: number,
    bias: boolean | Float32Array | null = true,
    weight?: Float32Array | Int8Rows,
  ) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const W = weight ?? (w!.dtype === 'q8' ? w!.getQ8('weight', [outFeatures, inFeatures]) : w!.get('weight', [outFeatures, inFeatures]).data);
    if (W instanceof Float32Array) {
      this.weight = backend.packB({ source: W, rows: inFeatures, cols: outFeatures, transposed: true });
      this.weightQ8 = null;
      this.int = null;
    } else {
      this.int = integerOps(backend);
      this.weightQ8 = this.int.packQ8({ weights: W.data, scales: W.scales, rows: inFeatures, cols: outFeatures });
      this.weight = null;
    }
    this.bias = typeof bias === 'boolean' ? (bias ? w!.get('bias', [outFeatures]).data : null) : bias;
  }

  /** A Linear from a weight [out, in] (float32, or int8 rows) and bias already in memory (e.g. split out of a fused weight). */
  static fromArrays(backend: Backend, weight: Float32Array | Int8Rows, bias: Float32Array | null, inFeatures: number, outFeatures: number): Linear {
    return new Linear(backend, null, inFeatures, outFeatures, bias, weight);
  }

  /** Frees the packed weight where it lives outside the JS heap (wasm memory); the layer is unusable afterwards. */
  dispose(): void {
    this.weight?.dispose();
    this.weightQ8?.dispose();
  }

  /**
   * x [rows, in] -> [rows, out]; writes into `out` when given. `then.residual` [rows, out] is added to the
   * result and `then.activation` applied last: y = act(x Wᵀ + b + residual), each step the same float32
   * operation as a separate `add` and `activate` (a backend that `appliesActivation` runs the activation in the
   * product's epilogue, and the q8 product accumulates onto the residual).
   */
  forward(x: Float32Array, rows: number, out: Float32Array = new Float32Array(rows * this.outFeatures), then: LinearEpilogue = {}): Float32Array {
    const { residual, activation } = then;
    const n = rows * this.outFeatures;
    let fused: Activation | undefined;
    if (this.weightQ8 !== null) {
      // (x Wᵀ + b) + r is r + (x Wᵀ + b): float addition commutes, so accumulating onto r gives the same bits.
      if (residual !== undefined) out.set(residual.subarray(0, n));
      fused = this.int!.appliesActivation ? activation : undefined;
      this.int!.gemmQ8({ m: rows, a: x, b: this.weightQ8, out, bias: this.bias, accumulate: residual !== undefined, activation: fused });
    } else {
      // float32 keeps PyTorch's order: the gemm starts from the bias, and the residual comes after it.
      fused = residual === undefined && this.backend.appliesActivation === true ? activation : undefined;
      this.backend.gemm({ m: rows, a: x, b: this.weight!, out, bias: this.bias, activation: fused });
      if (residual !== undefined) this.backend.add({ a: out, b: residual, out, length: n });
    }
    if (activation !== undefined && fused === undefined) this.backend.activate({ activation, x: out, length: n });
    return out;
  }
}

/** What {@link Linear.forward} applies after the product and bias, in this order. */
export interface LinearEpilogue {
  /** Added elementwise, [rows, out]. */
  readonly residual?: Float32Array;
  readonly activation?: Activation;
}
