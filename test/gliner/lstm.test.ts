// The `lstm` op (PyTorch's nn.LSTM, gate order i, f, g, o) on the test project's backend and on the
// reference kernels, against an independent float64 loop; and GLiNER's BiLSTM against torch's output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBackend, jsBackend, type Backend } from '../../src/index.js';
import { BiLstm } from '../../src/gliner/bilstm.js';
import { Weights } from '../../src/model/weights.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { caseDir, CASES, expected, flat, maxAbsDiff } from './helpers.js';

/** A seeded generator of values in [-scale, scale). */
function rng(seed: number): (scale: number) => number {
  let s = seed >>> 0;
  return (scale) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  };
}

/** nn.LSTM, one direction, in float64, written from the PyTorch documentation's equations. */
function lstm64(x: number[][], wih: number[][], whh: number[][], bih: number[], bhh: number[], reverse: boolean): number[][] {
  const H = whh[0].length;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const out: number[][] = x.map(() => []);
  const order = x.map((_, t) => t);
  if (reverse) order.reverse();
  for (const t of order) {
    const g = wih.map((row, r) => bih[r] + bhh[r] + row.reduce((s, w, k) => s + w * x[t][k], 0) + whh[r].reduce((s, w, k) => s + w * h[k], 0));
    const i = g.slice(0, H).map(sig);
    const f = g.slice(H, 2 * H).map(sig);
    const gg = g.slice(2 * H, 3 * H).map(Math.tanh);
    const o = g.slice(3 * H).map(sig);
    c = c.map((cj, j) => f[j] * cj + i[j] * gg[j]);
    h = c.map((cj, j) => o[j] * Math.tanh(cj));
    out[t] = h;
  }
  return out;
}

const matrix = (r: (s: number) => number, rows: number, cols: number, scale: number) =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => r(scale)));

describe.each([
  ['default', () => defaultBackend()],
  ['js', () => jsBackend],
] as Array<[string, () => Backend]>)('lstm op (%s backend) vs float64', (_name, backend) => {
  it.each([
    [1, 1, 1, false],
    [5, 3, 2, false],
    [5, 3, 2, true],
    [17, 7, 5, true],
    [9, 32, 16, false],
    [0, 4, 2, true],
  ])('length %i, input %i, hidden %i, reverse %s', (length, inputSize, H, reverse) => {
    const r = rng(length * 1000 + inputSize * 10 + H);
    const x = matrix(r, length, inputSize, 2);
    const wih = matrix(r, 4 * H, inputSize, 0.8);
    const whh = matrix(r, 4 * H, H, 0.8);
    const bih = Array.from({ length: 4 * H }, () => r(0.5));
    const bhh = Array.from({ length: 4 * H }, () => r(0.5));
    const want = lstm64(x, wih, whh, bih, bhh, reverse);
    // x with a row stride of inputSize + 3 after an offset of 2; out rows of stride 2H + 1 after an offset of 1.
    const xs = inputSize + 3;
    const xa = new Float32Array(2 + length * xs).fill(Number.NaN);
    x.forEach((row, t) => xa.set(row, 2 + t * xs));
    const os = 2 * H + 1;
    const out = new Float32Array(1 + length * os).fill(-7);
    backend().lstm({
      x: xa,
      xOffset: 2,
      xStride: xs,
      length,
      inputSize,
      hiddenSize: H,
      weightIh: Float32Array.from(wih.flat()),
      weightHh: Float32Array.from(whh.flat()),
      biasIh: Float32Array.from(bih),
      biasHh: Float32Array.from(bhh),
      reverse,
      out,
      outOffset: 1,
      outStride: os,
    });
    for (let t = 0; t < length; t++) {
      const row = out.subarray(1 + t * os, 1 + t * os + H);
      expect(maxAbsDiff(row, want[t])).toBeLessThan(2e-6);
      // Nothing outside the H columns of each row is written.
      expect([...out.subarray(1 + t * os + H, 1 + (t + 1) * os)]).toEqual(new Array(H + 1).fill(-7));
    }
    expect(out[0]).toBe(-7);
  });
});

describe.each(CASES)("GLiNER's BiLSTM (%s) vs torch", (c) => {
  it('words_embedding from words_embedding_before_lstm within 1e-5', () => {
    const tensors = readSafetensors(new Uint8Array(readFileSync(join(caseDir(c), 'model.safetensors'))));
    const H = (expected(c).config as unknown as { hidden_size: number }).hidden_size;
    const rnn = new BiLstm(defaultBackend(), new Weights(tensors).scope('rnn.lstm'), H);
    for (const input of expected(c).inputs) {
      const before = Float32Array.from(flat((input as unknown as { words_embedding_before_lstm: unknown }).words_embedding_before_lstm));
      const W = input.num_words_used;
      const got = rnn.forward(before, W);
      expect(maxAbsDiff(got, flat(input.words_embedding))).toBeLessThan(1e-5);
    }
  });
});
