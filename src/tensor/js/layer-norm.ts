import type { LayerNormArgs } from '../backend.js';

/**
 * LayerNorm over the last axis: out = (x - mean) / sqrt(var + eps) * gamma + beta, with the biased
 * variance (as torch and microsoft's DebertaLayerNorm compute it). Statistics accumulate in float64.
 * `out` may alias `x`.
 */
export function layerNorm({ x, rows, cols, gamma, beta, eps, out }: LayerNormArgs): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[o + j];
    mean /= cols;
    let variance = 0;
    for (let j = 0; j < cols; j++) { const d = x[o + j] - mean; variance += d * d; }
    const inv = 1 / Math.sqrt(variance / cols + eps);
    for (let j = 0; j < cols; j++) out[o + j] = (x[o + j] - mean) * inv * gamma[j] + beta[j];
  }
}
