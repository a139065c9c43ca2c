/**
 * The int8 scheme of `dtype: 'q8'`, in one place: every backend computes exactly these integers, so they
 * agree bit for bit (the wasm kernels are tested against this file).
 *
 * - Weights W [N, K] (a Linear's [out, in], or an embedding table [vocab, hidden]): symmetric int8 per row
 *   (output channel), q = round(W / s) in [-127, 127] with s = max|W[n, :]| / 127.
 * - Activations x [K], per row (token), at the GEMM input: symmetric integers in [-L, L] with
 *   L = {@link activationLimit}(K), about 14 bits. Trained transformers carry a few activation channels
 *   hundreds of times larger than the rest; an 8-bit row scale would leave the others a handful of levels,
 *   14 bits leave them hundreds, with no calibration data and nothing folded into the weights.
 * - Products summed exactly in int32: L is bounded so that K · L · 127 < 2^31, so no sum can overflow
 *   (no K blocking needed), and every kernel (int16 dot products, relaxed int8 dot products, this file's
 *   loops) produces the same int32.
 * - Dequantized in float32: y = f32(acc) · f32(sx · sw) (+ bias) (+ y), each step rounded to float32.
 *
 * Rounding is to nearest, ties to even (what `f32x4.nearest` does), of the float32 product x · (L / max|x|).
 */

/** Largest weight magnitude: symmetric int8 (-128 is never used, so negation is exact). */
export const WEIGHT_QMAX = 127;

/** Upper bound of the activation range: 2^13 - 1, so that x + 8192 fits 14 unsigned bits (two 7-bit halves). */
export const ACTIVATION_QMAX = 8191;

const I32_MAX = 2147483647;

/**
 * The activation range L for an inner dimension K: min(8191, floor((2^31 - 1) / (127 · K))), so that a
 * full dot product of K terms |x| ≤ L, |w| ≤ 127 fits int32 (K = 3072: L = 5504; K ≤ 2064: L = 8191).
 */
export function activationLimit(k: number): number {
  return Math.min(ACTIVATION_QMAX, Math.floor(I32_MAX / (WEIGHT_QMAX * Math.max(1, k))));
}

/** 1.5 · 2^52: adding it to a float64 below 2^51 in magnitude leaves no fraction bits, so the sum is rounded to an integer. */
const ROUND_MAGIC = 6755399441055744;

/**
 * Round to nearest, ties to even, as WebAssembly's `nearest`, for |v| < 2^51 (what is quantized here is at most
 * 8191.5): by the float64 addition's own rounding, about 3x faster than Math.round with a tie fix, which
 * quantizing weights at load spent most of its time in. NaN and infinities pass through.
 */
export function roundHalfEven(v: number): number {
  return v + ROUND_MAGIC - ROUND_MAGIC;
}

/** int8 rows and their float32 scales: row n of W is approximately `data[n * cols + k] * scales[n]`. */
export interface Int8Rows {
  /** [rows, cols] row-major int8 in [-127, 127]. */
  readonly data: Int8Array;
  /** [rows] float32 scales. */
  readonly scales: Float32Array;
}

/**
 * Quantizes W [rows, cols] (row-major, from `offset`) to symmetric int8 per row. An all-zero row gets
 * scale 0 and zeros.
 */
export function quantizeRows(w: Float32Array, rows: number, cols: number, offset = 0): Int8Rows {
  const data = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * cols;
    let amax = 0;
    for (let k = 0; k < cols; k++) {
      const a = Math.abs(w[base + k]);
      if (a > amax) amax = a;
    }
    if (amax === 0) continue;
    const scale = Math.fround(amax / WEIGHT_QMAX);
    scales[r] = scale;
    const out = r * cols;
    for (let k = 0; k < cols; k++) {
      const q = roundHalfEven(w[base + k] / scale);
      data[out + k] = q > WEIGHT_QMAX ? WEIGHT_QMAX : q < -WEIGHT_QMAX ? -WEIGHT_QMAX : q;
    }
  }
  return { data, scales };
}

/**
 * Quantizes one activation row x[offset, offset + k) into `out[outOffset, outOffset + k)` with range
 * `limit` ({@link activationLimit}(k)); returns its float32 scale max|x| / limit (0 for an all-zero row).
 */
export function quantizeActivationRow(x: Float32Array, offset: number, k: number, limit: number, out: Int16Array, outOffset: number): number {
  let amax = 0;
  for (let i = 0; i < k; i++) {
    const a = Math.abs(x[offset + i]);
    if (a > amax) amax = a;
  }
  if (amax === 0) {
    out.fill(0, outOffset, outOffset + k);
    return 0;
  }
  const inv = Math.fround(limit / amax);
  for (let i = 0; i < k; i++) {
    const q = roundHalfEven(Math.fround(x[offset + i] * inv));
    out[outOffset + i] = q > limit ? limit : q < -limit ? -limit : q;
  }
  return Math.fround(amax / limit);
}

/** Row `row` of int8 rows, dequantized: out[outOffset + k] (+)= f32(q · scale). */
export function dequantizeRow(rows: Int8Rows, cols: number, row: number, out: Float32Array, outOffset: number, accumulate: boolean): void {
  const s = rows.scales[row];
  const q = rows.data;
  const base = row * cols;
  if (accumulate) for (let k = 0; k < cols; k++) out[outOffset + k] += Math.fround(q[base + k] * s);
  else for (let k = 0; k < cols; k++) out[outOffset + k] = q[base + k] * s;
}
