// Every kernel of every backend against a naive float64 loop written here, on random data and awkward
// shapes (1, odd sizes, sizes that are not multiples of the register tiles, the panels or the K block).
import { describe, expect, it } from 'vitest';
import type { Backend, PackedMatrix } from '../../src/tensor/backend.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { createWasmBackend, relaxedSimdSupported } from '../../src/tensor/wasm/backend.js';
import { randomArray, rng } from '../helpers/random.js';

// The wasm backend with and without relaxed-SIMD FMA (the latter only where the engine has it).
const backends: Backend[] = [
  jsBackend,
  createWasmBackend({ relaxedSimd: false }),
  ...(relaxedSimdSupported() ? [createWasmBackend({ relaxedSimd: true })] : []),
];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** erf by its everywhere-convergent series erf(x) = 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)). */
function erf64(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

describe.each(backends)('kernels ($name backend) against float64 loops', (K) => {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [1, 7, 3], [3, 5, 2], [4, 4, 4], [5, 9, 13], [17, 33, 6], [8, 300, 9], [2, 513, 31], [33, 64, 65],
    [6, 256, 8], [7, 257, 16], [9, 600, 17], [2, 3, 24], [11, 40, 7], [1, 1000, 100],
  ];

  it.each(shapes)('gemm M=%i K=%i N=%i, B plain and transposed, with bias, strided A and C, accumulate', (M, Kd, N) => {
    const r = rng(M * 1000 + Kd * 10 + N);
    const lda = Kd + 3;
    const ldc = N + 2;
    const a = randomArray(2 + M * lda, r);
    const b = randomArray(Kd * N, r); // [K, N]
    const bT = new Float32Array(N * Kd); // [N, K]
    for (let k = 0; k < Kd; k++) for (let n = 0; n < N; n++) bT[n * Kd + k] = b[k * N + n];
    const bias = randomArray(N, r);
    const expected = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let n = 0; n < N; n++) {
        let s = bias[n];
        for (let k = 0; k < Kd; k++) s += a[2 + i * lda + k] * b[k * N + n];
        expected[i * N + n] = s;
      }
    }
    const plain = K.packB({ source: b, rows: Kd, cols: N, transposed: false });
    const transposed = K.packB({ source: bT, rows: Kd, cols: N, transposed: true });
    for (const [packed, label] of [[plain, 'plain'], [transposed, 'transposed']] as const) {
      const c = new Float32Array(1 + M * ldc).fill(7);
      K.gemm({ m: M, a, aOffset: 2, aStride: lda, b: packed, out: c, outOffset: 1, outStride: ldc, bias });
      const got = new Float32Array(M * N);
      for (let i = 0; i < M; i++) for (let n = 0; n < N; n++) got[i * N + n] = c[1 + i * ldc + n];
      expect(maxDiff(got, expected), label).toBeLessThan(1e-5 * Math.sqrt(Kd));
      expect(c[0], 'writes nothing before C').toBe(7);
      // accumulate adds on top of what C holds
      K.gemm({ m: M, a, aOffset: 2, aStride: lda, b: packed, out: c, outOffset: 1, outStride: ldc, accumulate: true });
      for (let i = 0; i < M; i++) {
        for (let n = 0; n < N; n++) got[i * N + n] = c[1 + i * ldc + n] - (expected[i * N + n] - bias[n]);
      }
      expect(maxDiff(got, expected), `${label} accumulate`).toBeLessThan(2e-5 * Math.sqrt(Kd));
    }
  });

  it('packB reads a sub-matrix with an offset and row stride', () => {
    const r = rng(5);
    const big = randomArray(10 * 12, r); // [10, 12]; take rows 2..6 (K=5), cols 3..9 (N=7) as B
    const packed = K.packB({ source: big, rows: 5, cols: 7, transposed: false, offset: 2 * 12 + 3, stride: 12 });
    const a = randomArray(3 * 5, r);
    const c = new Float32Array(3 * 7);
    K.gemm({ m: 3, a, b: packed, out: c });
    const expected = new Float64Array(21);
    for (let i = 0; i < 3; i++) for (let n = 0; n < 7; n++) for (let k = 0; k < 5; k++) expected[i * 7 + n] += a[i * 5 + k] * big[(2 + k) * 12 + 3 + n];
    expect(maxDiff(c, expected)).toBeLessThan(1e-5);
  });

  it.each([[1, 1], [3, 7], [5, 32], [2, 769]])('layerNorm rows=%i cols=%i (biased variance, eps inside the sqrt)', (rows, cols) => {
    const r = rng(rows * 31 + cols);
    const x = randomArray(rows * cols, r, 3);
    const g = randomArray(cols, r);
    const b = randomArray(cols, r);
    const eps = 1e-7;
    const out = new Float32Array(rows * cols);
    K.layerNorm({ x, rows, cols, gamma: g, beta: b, eps, out });
    const expected = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      let mean = 0;
      for (let j = 0; j < cols; j++) mean += x[i * cols + j] / cols;
      let v = 0;
      for (let j = 0; j < cols; j++) v += (x[i * cols + j] - mean) ** 2 / cols;
      for (let j = 0; j < cols; j++) expected[i * cols + j] = ((x[i * cols + j] - mean) / Math.sqrt(v + eps)) * g[j] + b[j];
    }
    expect(maxDiff(out, expected)).toBeLessThan(cols === 1 ? 1e-3 : 2e-5);
    K.layerNorm({ x, rows, cols, gamma: g, beta: b, eps, out: x }); // in place
    expect(maxDiff(x, out)).toBe(0);
  });

  it('maskedSoftmax follows XSoftmax: masked entries 0, fully masked rows 0, plain softmax elsewhere', () => {
    const r = rng(11);
    const L = 7;
    const mask = new Uint8Array([1, 1, 0, 1, 1, 0, 0, 1, 1]); // offset 1 -> [1, 0, 1, 1, 0, 0, 1]
    const x = randomArray(L * L, r, 20);
    const orig = Float64Array.from(x);
    K.maskedSoftmax({ x, rows: L, cols: L, mask, maskOffset: 1 });
    const m = (i: number) => mask[1 + i];
    for (let i = 0; i < L; i++) {
      let sum = 0;
      const row: number[] = [];
      for (let j = 0; j < L; j++) {
        const e = m(i) && m(j) ? Math.exp(orig[i * L + j]) : 0;
        row.push(e);
        sum += e;
      }
      for (let j = 0; j < L; j++) {
        const want = sum === 0 ? 0 : row[j] / sum;
        expect(Math.abs(x[i * L + j] - want)).toBeLessThan(1e-6);
      }
    }
    const plain = randomArray(3 * 5, r, 5);
    const ref = Float64Array.from(plain);
    K.maskedSoftmax({ x: plain, rows: 3, cols: 5 });
    for (let i = 0; i < 3; i++) {
      const s = [0, 1, 2, 3, 4].reduce((a, j) => a + Math.exp(ref[i * 5 + j]), 0);
      for (let j = 0; j < 5; j++) expect(Math.abs(plain[i * 5 + j] - Math.exp(ref[i * 5 + j]) / s)).toBeLessThan(1e-6);
    }
  });

  it('activations match their definitions', () => {
    const r = rng(3);
    const x = randomArray(2001, r, 8);
    x[0] = 0; x[1] = -0; x[2] = 1e-30; x[3] = -7.9;
    x[4] = 1000; x[5] = -1000; x[6] = 5.6; x[7] = -5.6; x[8] = 5.5154; x[9] = -5.5154; // saturation of erf
    const defs: Record<string, (v: number) => number> = {
      gelu: (v) => 0.5 * v * (1 + erf64(v / Math.SQRT2)),
      gelu_new: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
      gelu_pytorch_tanh: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
      relu: (v) => Math.max(v, 0),
      tanh: Math.tanh,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      silu: (v) => v / (1 + Math.exp(-v)),
      linear: (v) => v,
    };
    for (const [name, f] of Object.entries(defs)) {
      const y = Float32Array.from(x);
      K.activate({ activation: name as Parameters<Backend['activate']>[0]['activation'], x: y });
      expect(maxDiff(y, Array.from(x, f)), name).toBeLessThan(1e-6);
    }
    // a sub-range only
    const y = Float32Array.from([-1, -2, -3, -4]);
    K.activate({ activation: 'relu', x: y, offset: 1, length: 2 });
    expect(Array.from(y)).toEqual([-1, 0, 0, -4]);
    for (const n of [1, 2, 3, 5, 8]) {
      const z = Float32Array.from({ length: n + 6 }, (_, i) => i - 3.5);
      const want = Array.from(z, (v, i) => (i >= 3 && i < 3 + n ? defs.gelu(v) : v));
      K.activate({ activation: 'gelu', x: z, offset: 3, length: n });
      expect(maxDiff(z, want), `gelu on [3, ${3 + n})`).toBeLessThan(1e-6);
    }
  });

  it('embeddingGather copies or accumulates rows', () => {
    const table = Float32Array.from({ length: 12 }, (_, i) => i); // [4, 3]
    const out = new Float32Array(9).fill(1);
    K.embeddingGather({ table, cols: 3, ids: Int32Array.from([3, 0, 3]), out });
    expect(Array.from(out)).toEqual([9, 10, 11, 0, 1, 2, 9, 10, 11]);
    K.embeddingGather({ table, cols: 3, ids: Int32Array.from([1, 1, 1]), out, accumulate: true });
    expect(Array.from(out)).toEqual([12, 14, 16, 3, 5, 7, 12, 14, 16]);
  });

  it('addGatheredScores gathers by query row (c2p) and by key row then transposes (p2c)', () => {
    const r = rng(9);
    const lq = 5, lk = 5, cols = 7;
    const src = randomArray(lq * cols + 3, r);
    const index = Int32Array.from({ length: lq * lk }, () => Math.floor(r() * cols));
    for (const byKey of [false, true]) {
      const scores = randomArray(2 + lq * lk, r);
      const before = Float64Array.from(scores);
      K.addGatheredScores({ scores, scoresOffset: 2, queryLength: lq, keyLength: lk, src, srcOffset: 3, srcStride: cols, index, scale: 0.5, byKey });
      for (let i = 0; i < lq; i++) {
        for (let j = 0; j < lk; j++) {
          const g = byKey ? src[3 + j * cols + index[j * lq + i]] : src[3 + i * cols + index[i * lk + j]];
          expect(Math.abs(scores[2 + i * lk + j] - (before[2 + i * lk + j] + 0.5 * g))).toBeLessThan(1e-6);
        }
      }
      expect(scores[0]).toBe(Math.fround(before[0]));
    }
  });

  it.each([[5, 4, 1, 3], [1, 4, 2, 5], [9, 6, 3, 3], [4, 6, 2, 1]])('conv1d L=%i C=%i groups=%i kernel=%i (same padding)', (L, C, groups, k) => {
    const r = rng(L * 100 + C * 10 + k);
    const x = randomArray(1 + L * C, r);
    const w = randomArray(C * (C / groups) * k, r);
    const bias = randomArray(C, r);
    const out = new Float32Array(L * C + 2);
    K.conv1d({ x, xOffset: 1, length: L, inChannels: C, weight: w, bias, outChannels: C, kernelSize: k, groups, out, outOffset: 2 });
    const pad = (k - 1) >> 1;
    const cg = C / groups;
    for (let t = 0; t < L; t++) {
      for (let o = 0; o < C; o++) {
        const g = Math.floor(o / cg);
        let s = bias[o];
        for (let c = 0; c < cg; c++) {
          for (let kk = 0; kk < k; kk++) {
            const src = t + kk - pad;
            if (src >= 0 && src < L) s += w[(o * cg + c) * k + kk] * x[1 + src * C + g * cg + c];
          }
        }
        expect(Math.abs(out[2 + t * C + o] - s)).toBeLessThan(1e-5);
      }
    }
  });

  it('a vocabulary-wide product (N = 50000, split into column chunks) matches row by row', () => {
    const r = rng(31);
    const [M, Kd, N] = [90, 24, 50_001];
    const a = randomArray(M * Kd, r);
    const w = randomArray(N * Kd, r); // [N, K], a tied decoder
    const bias = randomArray(N, r);
    const c = new Float32Array(M * N);
    K.gemm({ m: M, a, b: K.packB({ source: w, rows: Kd, cols: N, transposed: true }), out: c, bias });
    for (const [i, j] of [[0, 0], [89, 50_000], [45, 4097], [1, 46_600], [77, 12_345]]) {
      let s = bias[j];
      for (let t = 0; t < Kd; t++) s += a[i * Kd + t] * w[j * Kd + t];
      expect(Math.abs(c[i * N + j] - s)).toBeLessThan(1e-4);
    }
  });

  it.each(['gelu', 'relu', 'tanh'] as const)('gemm with activation %s gives the bits of gemm then the backend\'s own activate', (activation) => {
    const r = rng(404);
    for (const [M, Kd, N, accumulate] of [[3, 19, 37, false], [130, 64, 200, true], [9, 768, 3072, false]] as const) {
      const ldc = N + 5;
      const a = randomArray(M * Kd, r, 2);
      const b = K.packB({ source: randomArray(Kd * N, r, 0.5), rows: Kd, cols: N, transposed: false });
      const bias = randomArray(N, r);
      const want = randomArray(3 + M * ldc, r);
      const got = want.slice();
      K.gemm({ m: M, a, b, out: want, outOffset: 3, outStride: ldc, bias, accumulate });
      const product = want.slice();
      for (let i = 0; i < M; i++) K.activate({ activation, x: want, offset: 3 + i * ldc, length: N });
      K.gemm({ m: M, a, b, out: got, outOffset: 3, outStride: ldc, bias, accumulate, activation });
      expect(got.every((v, i) => Object.is(v, want[i])), `${activation} ${M}x${Kd}x${N}`).toBe(true);
      expect(got.some((v, i) => v !== product[i]), 'the activation ran').toBe(true);
    }
  });

  it('packB into a caller-supplied buffer (transient packs) multiplies like a fresh pack', () => {
    const r = rng(21);
    const [M, Kd, N] = [5, 19, 11];
    const b = randomArray(N * Kd, r); // [N, K]
    const a = randomArray(M * Kd, r);
    const fresh = new Float32Array(M * N);
    const reused = new Float32Array(M * N);
    K.gemm({ m: M, a, b: K.packB({ source: b, rows: Kd, cols: N, transposed: true }), out: fresh });
    const scratch = new Float32Array(10_000).fill(NaN);
    K.gemm({ m: M, a, b: K.packB({ source: b, rows: Kd, cols: N, transposed: true, offset: 0, stride: Kd, into: scratch }), out: reused });
    expect(maxDiff(reused, fresh)).toBe(0);
  });

  it.each(backends.map((other) => [other.name, other] as const))('gemm accepts B packed by the %s backend', (_, other) => {
    const r = rng(23);
    const [M, Kd, N] = [6, 37, 21];
    const b = randomArray(Kd * N, r);
    const a = randomArray(M * Kd, r);
    const want = new Float32Array(M * N);
    const got = new Float32Array(M * N);
    jsBackend.gemm({ m: M, a, b: jsBackend.packB({ source: b, rows: Kd, cols: N, transposed: false }), out: want });
    K.gemm({ m: M, a, b: other.packB({ source: b, rows: Kd, cols: N, transposed: false }), out: got });
    expect(maxDiff(got, want)).toBeLessThan(2e-5);
  });

  it.each<[number, number, number, number, number, boolean, boolean, string, ([number, number, number, number] | 'relative' | undefined)?]>([
    // batch, length, heads, d, rows, c2p, p2c, label, [c2p indices from, to, p2c from, to] (default [0, rows)
    // both), or 'relative': i - j + L + 4 (c2p) and j - i + L + 9 (p2c), so each tile of rows reaches its own band
    [1, 1, 1, 4, 3, true, true, 'a single token'],
    [2, 7, 3, 5, 11, true, true, 'odd head size and length, padding'],
    [2, 9, 2, 8, 17, true, false, 'c2p only'],
    [1, 12, 2, 16, 23, false, true, 'p2c only'],
    [3, 6, 2, 12, 0, false, false, 'no relative terms'],
    [1, 33, 4, 64, 65, true, true, 'base-like head size'],
    [1, 40, 2, 8, 9, true, true, 'peaky scores: many probabilities underflow'],
    [2, 20, 2, 16, 300, true, true, 'indices reach only rows 45-110 of 300 (as a short sequence in a long one\'s window)', [45, 90, 60, 111]],
    [1, 9, 3, 8, 64, true, false, 'c2p indices reach only the last rows, 57-63', [57, 64, 0, 64]],
    [2, 37, 2, 16, 90, true, true, 'relative-position indices: a band per tile of rows', 'relative'],
  ])('attention b=%i L=%i heads=%i d=%i rows=%i c2p=%s p2c=%s (%s)', (batch, L, heads, d, rows, c2p, p2c, _, reach = [0, rows, 0, rows]) => {
    const r = rng(batch * 1000 + L * 10 + d);
    const A = heads * d;
    const peaky = L === 40; // scores spread over hundreds: most exp terms are far below the row maximum
    const q = randomArray(batch * L * A, r, peaky ? 12 : 2);
    const k = randomArray(batch * L * A, r, peaky ? 12 : 2);
    const v = randomArray(batch * L * A, r);
    const posK = randomArray(Math.max(rows, 1) * A, r, 2);
    const posQ = randomArray(Math.max(rows, 1) * A, r, 2);
    const pick = (from: number, to: number) => () => from + Math.floor(r() * (to - from));
    const c2pIdx = Int32Array.from({ length: L * L }, reach === 'relative' ? (_, t) => Math.floor(t / L) - (t % L) + L + 4 : pick(reach[0], reach[1]));
    const p2cIdx = Int32Array.from({ length: L * L }, reach === 'relative' ? (_, t) => Math.floor(t / L) - (t % L) + L + 9 : pick(reach[2], reach[3]));
    const mask = Uint8Array.from({ length: batch * L }, (_, t) => (t % L === 0 || r() < 0.7 ? 1 : 0));
    if (batch > 1) mask[L + 1 < mask.length ? L + 1 : 0] = 0;
    const scale = 1 / Math.sqrt(d * (1 + +c2p + +p2c));
    const heads_ = (pos: Float32Array): PackedMatrix[] =>
      Array.from({ length: heads }, (_, h) => K.packB({ source: pos, rows: d, cols: rows, transposed: true, offset: h * d, stride: A }));
    const relative = c2p || p2c
      ? { posK: c2p ? heads_(posK) : null, posQ: p2c ? heads_(posQ) : null, c2p: c2pIdx, p2c: p2cIdx }
      : null;
    const got = K.attention({ q, k, v, batch, length: L, heads, headSize: d, scale, mask, relative });
    const dot = (x: Float32Array, xo: number, y: Float32Array, yo: number) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += x[xo + t] * y[yo + t];
      return s;
    };
    const want = new Float64Array(batch * L * A);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        const at = (i: number) => (b * L + i) * A + h * d;
        for (let i = 0; i < L; i++) {
          const e: number[] = [];
          for (let j = 0; j < L; j++) {
            let s = dot(q, at(i), k, at(j));
            if (c2p) s += dot(q, at(i), posK, c2pIdx[i * L + j] * A + h * d);
            if (p2c) s += dot(k, at(j), posQ, p2cIdx[j * L + i] * A + h * d);
            e.push(s * scale);
          }
          const keep = (j: number) => mask[b * L + i] !== 0 && mask[b * L + j] !== 0;
          const max = Math.max(...e.filter((_, j) => keep(j)));
          const w = e.map((s, j) => (keep(j) ? Math.exp(s - max) : 0));
          const sum = w.reduce((x, y) => x + y, 0);
          for (let j = 0; j < L; j++) {
            if (sum === 0) continue;
            for (let t = 0; t < d; t++) want[at(i) + t] += (w[j] / sum) * v[at(j) + t];
          }
        }
      }
    }
    expect(maxDiff(got, want)).toBeLessThan(2e-5);
  });

  it('add and scaleRows', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    K.add({ a, b: Float32Array.from([10, 20, 30, 40]), out: a });
    expect(Array.from(a)).toEqual([11, 22, 33, 44]);
    K.scaleRows({ x: a, rows: 2, cols: 2, rowScale: [0, 1] });
    expect(Array.from(a)).toEqual([0, 0, 33, 44]);
    // offsets and a length select the elements of each array
    const out = new Float32Array(5).fill(-1);
    K.add({ a: Float32Array.from([1, 2, 3, 4]), aOffset: 1, b: Float32Array.from([10, 20, 30]), bOffset: 0, out, outOffset: 2, length: 2 });
    expect(Array.from(out)).toEqual([-1, -1, 12, 23, -1]);
  });
});
