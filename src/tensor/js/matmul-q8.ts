/**
 * The int8 matmul in plain TypeScript: the executable spec of `dtype: 'q8'` (scheme in `tensor/quant.ts`)
 * and the fallback of backends without integer kernels. Weights stay as canonical int8 rows [N, K];
 * each activation row is quantized once into an int16 scratch row, then every output channel is one
 * exact integer dot product (|sum| < 2^31, so float64 arithmetic holds it exactly).
 */
import { InputError } from '../../errors.js';
import { activate } from './activations.js';
import type { DotQ8Args, GemmQ8Args, PackedQ8Matrix, PackQ8Args } from '../backend.js';
import { q8MatrixOf, type Q8Matrix } from '../q8-matrix.js';
import { activationLimit, quantizeActivationRow, type Int8Rows } from '../quant.js';

/** The canonical layout: W's int8 rows [N, K] and scales [N], contiguous. */
class RowsQ8Matrix implements Q8Matrix {
  constructor(readonly rows: number, readonly cols: number, readonly data: Int8Array, readonly scales: Float32Array) {}
  canonical(): Int8Rows {
    return { data: this.data, scales: this.scales };
  }
  dispose(): void {}
}

/** Other backends' packs, as canonical rows, on first use. */
const adopted = new WeakMap<PackedQ8Matrix, RowsQ8Matrix>();

function rowsOf(p: PackedQ8Matrix): RowsQ8Matrix {
  if (p instanceof RowsQ8Matrix) return p;
  let mine = adopted.get(p);
  if (mine === undefined) {
    const { data, scales } = q8MatrixOf(p).canonical();
    mine = new RowsQ8Matrix(p.rows, p.cols, data.slice(), scales.slice());
    adopted.set(p, mine);
  }
  return mine;
}

/** Keeps W's rows as they are (views when contiguous from offset 0 of their own arrays, else copies). */
export function packQ8({ weights, offset = 0, scales, scalesOffset = 0, rows: k, cols: n }: PackQ8Args): PackedQ8Matrix {
  if (!(weights instanceof Int8Array) || !(scales instanceof Float32Array)) {
    throw new InputError('packQ8: weights must be an Int8Array and scales a Float32Array');
  }
  if (offset + n * k > weights.length || scalesOffset + n > scales.length) {
    throw new InputError(`packQ8: [${n}, ${k}] int8 rows from element ${offset} (scales from ${scalesOffset}) overrun the arrays (${weights.length}, ${scales.length} elements)`);
  }
  return new RowsQ8Matrix(k, n, weights.subarray(offset, offset + n * k), scales.subarray(scalesOffset, scalesOffset + n));
}

/** C[i, n] = Σ_k A[i, k] · W[n, k], exactly. */
export function dotQ8({ m, a, aOffset = 0, aStride, b, out, outOffset = 0, outStride }: DotQ8Args): void {
  const w = rowsOf(b);
  const k = w.rows, n = w.cols;
  const as = aStride ?? k, os = outStride ?? n;
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < n; c++) out[outOffset + i * os + c] = dotRow(a, aOffset + i * as, w.data, c * k, k);
  }
}

/** Σ_j x[xo + j] · q[qo + j] over k terms: exact, the sum stays below 2^31. */
function dotRow(x: Int16Array, xo: number, q: Int8Array, qo: number, k: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += x[xo + j] * q[qo + j];
  return s;
}

let scratch = new Int16Array(0);

/** C = quantize(A) · Wᵀ, dequantized as `tensor/quant.ts` specifies (+ bias) (+ C). */
export function gemmQ8({ m, a, aOffset = 0, aStride, b, out, outOffset = 0, outStride, bias = null, accumulate = false, activation }: GemmQ8Args): void {
  const w = rowsOf(b);
  const k = w.rows, n = w.cols;
  const as = aStride ?? k, os = outStride ?? n;
  const limit = activationLimit(k);
  if (scratch.length < k) scratch = new Int16Array(k);
  const xq = scratch;
  const q = w.data, ws = w.scales;
  for (let i = 0; i < m; i++) {
    const sx = quantizeActivationRow(a, aOffset + i * as, k, limit, xq, 0);
    const o = outOffset + i * os;
    for (let c = 0; c < n; c++) {
      let y = Math.fround(Math.fround(dotRow(xq, 0, q, c * k, k)) * Math.fround(sx * ws[c]));
      if (bias !== null) y = Math.fround(y + bias[c]);
      out[o + c] = accumulate ? out[o + c] + y : y;
    }
    if (activation !== undefined) activate({ activation, x: out, offset: o, length: n });
  }
}
