/** out[i] = a[i] + b[i] over `a.length` elements; `out` may alias `a` or `b`. */
export function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
}

/** x[row, :] *= rowScale[row] for x viewed as [rows, cols] (e.g. zeroing padded positions with the mask). */
export function scaleRows(x: Float32Array, rows: number, cols: number, rowScale: ArrayLike<number>): void {
  for (let r = 0; r < rows; r++) {
    const s = rowScale[r];
    if (s === 1) continue;
    const o = r * cols;
    for (let j = 0; j < cols; j++) x[o + j] *= s;
  }
}
