/** Activation functions by their Hugging Face `hidden_act` names, applied in place. */
import type { ActivateArgs } from '../backend.js';

/**
 * erf(x) to about 1.2e-7 relative error (Chebyshev fit of erfc from Numerical Recipes, 2nd ed. 6.2):
 * far below float32 GELU resolution, and cheaper than a series.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Applies `activation` to `x[offset, offset + length)` in place. */
export function activate({ activation, x, offset = 0, length = x.length - offset }: ActivateArgs): void {
  const end = offset + length;
  switch (activation) {
    case 'gelu':
      for (let i = offset; i < end; i++) { const v = x[i]; x[i] = 0.5 * v * (1 + erf(v * SQRT_HALF)); }
      return;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      for (let i = offset; i < end; i++) {
        const v = x[i];
        x[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
      }
      return;
    case 'relu':
      for (let i = offset; i < end; i++) if (x[i] < 0) x[i] = 0;
      return;
    case 'tanh':
      for (let i = offset; i < end; i++) x[i] = Math.tanh(x[i]);
      return;
    case 'sigmoid':
      for (let i = offset; i < end; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'silu':
    case 'swish':
      for (let i = offset; i < end; i++) { const v = x[i]; x[i] = v / (1 + Math.exp(-v)); }
      return;
    case 'linear':
      return;
  }
}
