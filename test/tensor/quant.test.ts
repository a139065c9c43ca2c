// The int8 scheme's rounding (src/tensor/quant.ts): to nearest, ties to even, as WebAssembly's `nearest`, checked
// against a definition from floor and the fraction, and through both quantizers on values that land on ties.
import { describe, expect, it } from 'vitest';
import { activationLimit, quantizeActivationRow, quantizeRows, roundHalfEven } from '../../src/tensor/quant.js';

/** Nearest integer, ties to the even one, from floor and the exact fraction (float64 subtraction of floor is exact). */
function nearestEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v), frac = v - f;
  if (frac > 0.5) return f + 1;
  if (frac < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

describe('roundHalfEven', () => {
  it('rounds to nearest with ties to even below 2^51, and keeps NaN and infinities', () => {
    const values = [0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 127.5, -127.5, 8190.5, 8191.5, 0.49999999999999994, 2.5000000000000004,
      -3.4999999999999996, 1e-300, 2 ** 51 - 0.5, -(2 ** 51) + 1.5, 2 ** 40 + 0.5, 2 ** 40 + 1.5, NaN, Infinity, -Infinity];
    let s = 7;
    for (let i = 0; i < 2000; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      values.push(((s / 2147483648) * 2 - 1) * 20000, Math.round((s / 2147483648) * 40000 - 20000) + 0.5);
    }
    for (const v of values) expect(roundHalfEven(v), String(v)).toBe(nearestEven(v) + 0); // + 0: -0 and 0 both zero
  });

  it('is what both quantizers round with, ties included', () => {
    // amax 127 gives the weight scale 1: each w / scale is w itself
    const w = Float32Array.from([127, 2.5, 3.5, -2.5, -3.5, 0.5, -0.5, 126.5]);
    expect(Array.from(quantizeRows(w, 1, w.length).data)).toEqual([127, 2, 4, -2, -4, 0, 0, 126]);
    // amax = limit gives the activation multiplier 1
    const limit = activationLimit(8);
    const x = Float32Array.from([limit, 2.5, 3.5, -2.5, -3.5, 0.5, -0.5, limit - 0.5]);
    const q = new Int16Array(8);
    expect(quantizeActivationRow(x, 0, 8, limit, q, 0)).toBe(1);
    expect(Array.from(q)).toEqual([limit, 2, 4, -2, -4, 0, 0, nearestEven(limit - 0.5)]);
  });
});
