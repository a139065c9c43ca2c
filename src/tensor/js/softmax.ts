import type { MaskedSoftmaxArgs } from '../backend.js';

/**
 * Softmax over the last axis of `x[offset ...]` viewed as [rows, cols], with DeBERTa's XSoftmax masking:
 * entry (i, j) takes part only when `mask[maskOffset + i]` and `mask[maskOffset + j]` are both non-zero;
 * excluded entries get probability 0, and a row with nothing left (a padded query) is all 0.
 * Without a mask it is a plain softmax.
 */
export function maskedSoftmax({ x, offset = 0, rows, cols, mask = null, maskOffset = 0 }: MaskedSoftmaxArgs): void {
  for (let i = 0; i < rows; i++) {
    const o = offset + i * cols;
    if (mask !== null && mask[maskOffset + i] === 0) {
      x.fill(0, o, o + cols);
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < cols; j++) {
      if ((mask === null || mask[maskOffset + j] !== 0) && x[o + j] > max) max = x[o + j];
    }
    if (max === -Infinity) {
      x.fill(0, o, o + cols);
      continue;
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      if (mask === null || mask[maskOffset + j] !== 0) {
        const e = Math.exp(x[o + j] - max);
        x[o + j] = e;
        sum += e;
      } else {
        x[o + j] = 0;
      }
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) x[o + j] *= inv;
  }
}
