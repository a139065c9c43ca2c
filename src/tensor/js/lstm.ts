import type { LstmArgs } from '../backend.js';

/**
 * One direction of one layer of torch's `nn.LSTM` over one sequence, from zero initial states:
 *
 *   gates = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh   (4H rows in PyTorch's order i, f, g, o)
 *   c_t = σ(f) · c_{t-1} + σ(i) · tanh(g),   h_t = σ(o) · tanh(c_t)
 *
 * `reverse` runs t = length-1 … 0 (the `_reverse` weights of a bidirectional LSTM); h_t goes to row t of
 * `out` either way, so a bidirectional output is two calls writing the two halves of each row.
 * Sums run in double precision and are rounded to float32 when stored.
 */
export function lstm({
  x,
  xOffset = 0,
  xStride,
  length,
  inputSize,
  hiddenSize: H,
  weightIh,
  weightHh,
  biasIh,
  biasHh,
  reverse,
  out,
  outOffset = 0,
  outStride,
}: LstmArgs): void {
  const xs = xStride ?? inputSize;
  const os = outStride ?? H;
  const h = new Float32Array(H);
  const c = new Float32Array(H);
  const gates = new Float64Array(4 * H);
  for (let step = 0; step < length; step++) {
    const t = reverse ? length - 1 - step : step;
    const xo = xOffset + t * xs;
    for (let r = 0; r < 4 * H; r++) {
      let s = (biasIh === null ? 0 : biasIh[r]) + (biasHh === null ? 0 : biasHh[r]);
      const wi = r * inputSize;
      for (let k = 0; k < inputSize; k++) s += weightIh[wi + k] * x[xo + k];
      const wh = r * H;
      for (let k = 0; k < H; k++) s += weightHh[wh + k] * h[k];
      gates[r] = s;
    }
    const o0 = outOffset + t * os;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[j]);
      const f = sigmoid(gates[H + j]);
      const g = Math.tanh(gates[2 * H + j]);
      const o = sigmoid(gates[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * Math.tanh(c[j]);
      out[o0 + j] = h[j];
    }
  }
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}
