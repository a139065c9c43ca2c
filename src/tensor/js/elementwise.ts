import type { AddArgs, ScaleRowsArgs } from '../backend.js';

/** out[i] = a[i] + b[i] over `length` elements (from each array's offset); `out` may alias `a` or `b`. */
export function add({ a, aOffset = 0, b, bOffset = 0, out, outOffset = 0, length = a.length - aOffset }: AddArgs): void {
  for (let i = 0; i < length; i++) out[outOffset + i] = a[aOffset + i] + b[bOffset + i];
}

/** x[row, :] *= rowScale[row] for x viewed as [rows, cols] (e.g. zeroing padded positions with the mask). */
export function scaleRows({ x, rows, cols, rowScale }: ScaleRowsArgs): void {
  for (let r = 0; r < rows; r++) {
    const s = rowScale[r];
    if (s === 1) continue;
    const o = r * cols;
    for (let j = 0; j < cols; j++) x[o + j] *= s;
  }
}
