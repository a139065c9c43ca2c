// The int8 ops of `dtype: 'q8'` on the backend under test (this project's default: wasm with relaxed SIMD,
// wasm-simd, wasm on two threads, or js) against the TypeScript reference, bit for bit, and against naive
// float64 loops written here: awkward shapes, strides and offsets, the worst-case accumulators, packs
// handed between backends.
import { describe, expect, it } from 'vitest';
import type { Backend, PackedQ8Matrix } from '../../src/tensor/backend.js';
import { defaultBackend } from '../../src/tensor/default-backend.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { activationLimit, quantizeActivationRow } from '../../src/tensor/quant.js';
import { createWasmBackend, relaxedSimdSupported, threadsSupported, type WasmBackend } from '../../src/tensor/wasm/backend.js';
import { randomArray, rng } from '../helpers/random.js';

type Q8Backend = Required<Pick<Backend, 'packQ8' | 'gemmQ8' | 'dotQ8'>> & Backend;

// The project's default backend, and on the relaxed-SIMD project also the opt-in relaxed integer-dot kernel.
const DEFAULT = defaultBackend() as Q8Backend;
const UNDER_TEST: Q8Backend[] = [
  DEFAULT,
  ...((DEFAULT as Partial<WasmBackend>).relaxedSimd === true ? [createWasmBackend({ relaxedSimd: true, relaxedIntegerDot: true }) as Q8Backend] : []),
];
const K = DEFAULT;
const ref = jsBackend as Q8Backend;

const MS = [1, 2, 3, 5, 17];
const KS = [1, 2, 3, 7, 15, 16, 17, 33, 100, 768, 3072];
const NS = [1, 3, 7, 8, 9, 33, 100];

/** Random int8 weights [N, K] in [-127, 127] from element `offset`, and positive scales from `scalesOffset`. */
function randomWeights(n: number, k: number, r: () => number, offset: number, scalesOffset: number) {
  const weights = new Int8Array(offset + n * k + 5).map(() => Math.round((r() * 2 - 1) * 127));
  const scales = new Float32Array(scalesOffset + n + 2).map(() => r() * 0.02);
  return { weights, scales, offset, scalesOffset, rows: k, cols: n };
}

/** Σ_k a[i, k] · W[n, k] in float64 (exact: every partial sum is an integer below 2^53). */
function naiveDot(a: ArrayLike<number>, aOffset: number, lda: number, w: Int8Array, wOffset: number, k: number, i: number, n: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += a[aOffset + i * lda + j] * w[wOffset + n * k + j];
  return s;
}

/** The [m, n] block of `out` at (offset, stride), row-major. */
function block(out: Float32Array | Int32Array, offset: number, stride: number, m: number, n: number): number[] {
  const v: number[] = [];
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) v.push(out[offset + i * stride + c]);
  return v;
}

/** Elementwise Object.is (tells -0 from 0, and NaN equals NaN); reports the first difference. */
function expectIdentical(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) expect(`${label}[${i}] = ${got[i]}`).toBe(`${label}[${i}] = ${want[i]}`);
  }
}

for (const K of UNDER_TEST) describe(`q8 ops of the ${K.name} backend${(K as Partial<WasmBackend>).relaxedIntegerDot ? ' (relaxed integer dot)' : ''}`, () => {
  it('has the integer ops', () => {
    expect(typeof K.packQ8).toBe('function');
    expect(typeof K.gemmQ8).toBe('function');
    expect(typeof K.dotQ8).toBe('function');
  });

  describe.each(KS)('K = %i', (k) => {
    it.each(NS)('dotQ8: N = %i, m in {1, 2, 3, 5, 17}, strided, equal to the reference and a float64 loop', (n) => {
      const r = rng(k * 1000 + n);
      const L = activationLimit(k);
      const w = randomWeights(n, k, r, 3, 1);
      const mine = K.packQ8(w);
      const theirs = ref.packQ8(w);
      expect([mine.rows, mine.cols]).toEqual([k, n]);
      for (const m of MS) {
        const lda = k + 3, ldo = n + 2, aOffset = 5, outOffset = 1;
        const a = new Int16Array(aOffset + m * lda).map(() => Math.round((r() * 2 - 1) * L));
        const got = new Int32Array(outOffset + m * ldo + 1).fill(-7);
        const want = new Int32Array(got.length).fill(-7);
        K.dotQ8({ m, a, aOffset, aStride: lda, b: mine, out: got, outOffset, outStride: ldo });
        ref.dotQ8({ m, a, aOffset, aStride: lda, b: theirs, out: want, outOffset, outStride: ldo });
        expectIdentical(got, want, `m=${m}`); // also: nothing outside C written
        const naive: number[] = [];
        for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) naive.push(naiveDot(a, aOffset, lda, w.weights, w.offset, k, i, c));
        expect(block(got, outOffset, ldo, m, n)).toEqual(naive);
      }
      mine.dispose();
    });

    it.each(NS)('gemmQ8: N = %i, with and without bias and accumulate, strided, bit-identical to the reference', (n) => {
      const r = rng(k * 7919 + n);
      const w = randomWeights(n, k, r, 2, 3);
      const mine = K.packQ8(w);
      const theirs = ref.packQ8(w);
      const bias = randomArray(n, r);
      for (const m of MS) {
        const lda = k + 1, ldo = n + 3, aOffset = 3, outOffset = 2;
        const a = randomArray(aOffset + m * lda, r, 4);
        if (m > 1) a.fill(0, aOffset + lda, aOffset + lda + k); // an all-zero row: scale 0
        a[aOffset] = -7.5; // a large entry, so the row's scale is not 1
        for (const withBias of [false, true]) {
          for (const accumulate of [false, true]) {
            const start = randomArray(outOffset + m * ldo + 2, r);
            const got = start.slice(), want = start.slice();
            const args = { m, a, aOffset, aStride: lda, outOffset, outStride: ldo, bias: withBias ? bias : null, accumulate };
            K.gemmQ8({ ...args, b: mine, out: got });
            ref.gemmQ8({ ...args, b: theirs, out: want });
            expectIdentical(got, want, `m=${m} bias=${withBias} accumulate=${accumulate}`);
          }
        }
        // The scheme recomputed in float64 from quant.ts's quantization: equal within float32 rounding.
        const out = new Float32Array(m * n);
        K.gemmQ8({ m, a, aOffset, aStride: lda, b: mine, out, bias });
        const q = new Int16Array(k);
        for (let i = 0; i < m; i++) {
          const sx = quantizeActivationRow(a, aOffset + i * lda, k, activationLimit(k), q, 0);
          if (i === 1) expect(sx).toBe(0);
          for (let c = 0; c < n; c++) {
            const exact = naiveDot(q, 0, k, w.weights, w.offset, k, 0, c) * sx * w.scales[w.scalesOffset + c];
            const y = exact + bias[c];
            expect(Math.abs(out[i * n + c] - y)).toBeLessThanOrEqual(2 ** -21 * (Math.abs(exact) + Math.abs(bias[c])) + 1e-30);
          }
        }
      }
      mine.dispose();
    });
  });

  // K where the activation range first drops below 8191: the first K with 127 · K · 8191 ≥ 2^31.
  let kStar = 1;
  while (activationLimit(kStar) === 8191) kStar++;

  it.each([kStar - 1, kStar, 3072, 16384])('worst case K = %i: ±L against ±127 sums to exactly ±K·L·127, no overflow', (k) => {
    const L = activationLimit(k);
    expect(127 * k * L).toBeLessThan(2 ** 31);
    const n = 3; // channels: all +127, all -127, alternating ±127
    const weights = new Int8Array(n * k);
    for (let j = 0; j < k; j++) {
      weights[j] = 127;
      weights[k + j] = -127;
      weights[2 * k + j] = j % 2 === 0 ? 127 : -127;
    }
    const scales = new Float32Array([0.5, 0.25, 1]);
    const p = K.packQ8({ weights, scales, rows: k, cols: n });
    const a = new Int16Array(2 * k);
    a.fill(L, 0, k);
    a.fill(-L, k, 2 * k);
    const out = new Int32Array(2 * n);
    K.dotQ8({ m: 2, a, b: p, out });
    const full = k * L * 127; // float64, exact
    const alt = (k % 2) * L * 127;
    expect(Array.from(out)).toEqual([full, -full, alt, -full, full, 0 - alt]);
    // gemmQ8 on rows of one value quantizes them to ±L and dequantizes in float32 like the reference.
    const x = new Float32Array(2 * k);
    x.fill(3.25, 0, k);
    x.fill(-0.125, k, 2 * k);
    const got = new Float32Array(2 * n), want = new Float32Array(2 * n);
    K.gemmQ8({ m: 2, a: x, b: p, out: got });
    ref.gemmQ8({ m: 2, a: x, b: ref.packQ8({ weights, scales, rows: k, cols: n }), out: want });
    expectIdentical(got, want, `K=${k}`);
    expect(Math.abs(got[0] - 3.25 * k * 127 * 0.5)).toBeLessThan(1e-5 * 3.25 * k * 127 * 0.5);
    p.dispose();
  });

  it('non-finite activations quantize as the reference does (NaN never wins the row max, Infinity does)', () => {
    const k = 21, n = 9;
    const w = randomWeights(n, k, rng(3), 0, 0);
    const a = randomArray(4 * k, rng(4));
    a[2] = Number.NaN;
    a[k + 5] = Number.POSITIVE_INFINITY;
    a.fill(Number.NaN, 2 * k, 3 * k);
    a[3 * k + 20] = -0;
    const got = new Float32Array(4 * n), want = new Float32Array(4 * n);
    K.gemmQ8({ m: 4, a, b: K.packQ8(w), out: got });
    ref.gemmQ8({ m: 4, a, b: ref.packQ8(w), out: want });
    expectIdentical(got, want, 'non-finite');
    expect(Number.isFinite(got[0])).toBe(true);
  });

  it('more rows than one kernel sweep (the wasm host blocks them by 128) give the same bits, strides included', () => {
    const r = rng(4242);
    const m = 300, k = 200, n = 37, lda = k + 3, ldo = n + 2;
    const w = randomWeights(n, k, r, 0, 0);
    const a = randomArray(5 + m * lda, r);
    const bias = randomArray(n, r);
    const want = new Float32Array(7 + m * ldo).fill(0.5);
    const got = want.slice();
    ref.gemmQ8({ m, a, aOffset: 5, aStride: lda, b: ref.packQ8(w), out: want, outOffset: 7, outStride: ldo, bias, accumulate: true });
    K.gemmQ8({ m, a, aOffset: 5, aStride: lda, b: K.packQ8(w), out: got, outOffset: 7, outStride: ldo, bias, accumulate: true });
    expect(got.every((v, i) => Object.is(v, want[i]))).toBe(true);
  });

  it.each(['gelu', 'relu', 'gelu_new'] as const)('activation %s: the bits of the product followed by the backend\'s own activate (fused in the epilogue for gelu)', (activation) => {
    const r = rng(777);
    for (const [m, k, n, accumulate] of [[5, 100, 37, false], [130, 64, 9, true], [1, 768, 3072, false]] as const) {
      const lda = k + 1, ldo = n + 3;
      const w = randomWeights(n, k, r, 0, 0);
      const a = randomArray(2 + m * lda, r, 3);
      const bias = randomArray(n, r);
      const want = randomArray(4 + m * ldo, r);
      const got = want.slice();
      const args = { m, a, aOffset: 2, aStride: lda, outOffset: 4, outStride: ldo, bias, accumulate };
      K.gemmQ8({ ...args, b: K.packQ8(w), out: want });
      for (let i = 0; i < m; i++) K.activate({ activation, x: want, offset: 4 + i * ldo, length: n });
      K.gemmQ8({ ...args, b: K.packQ8(w), out: got, activation });
      expectIdentical(got, want, `${activation} m=${m} k=${k} n=${n}`);
      expect(block(got, 4, ldo, m, n).some((v) => v < 0) === (activation !== 'relu'), 'the activation ran').toBe(true);
    }
  });

  it('m = 0 and N = 0 write nothing; K = 0 gives the bias', () => {
    const p = K.packQ8({ weights: new Int8Array(0), scales: new Float32Array(4), rows: 0, cols: 4 });
    const out = new Float32Array(8).fill(9);
    K.gemmQ8({ m: 2, a: new Float32Array(0), b: p, out, bias: new Float32Array([1, 2, 3, 4]) });
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    const w = K.packQ8({ weights: new Int8Array(12).fill(1), scales: new Float32Array(4).fill(1), rows: 3, cols: 4 });
    K.gemmQ8({ m: 0, a: new Float32Array(0), b: w, out });
    const none = K.packQ8({ weights: new Int8Array(0), scales: new Float32Array(0), rows: 3, cols: 0 });
    K.gemmQ8({ m: 2, a: new Float32Array(6), b: none, out });
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });
});

/** The wasm backends of this engine, plain and (where it has it) relaxed SIMD. */
const wasmBackends = (): WasmBackend[] => [
  createWasmBackend({ relaxedSimd: false }),
  ...(relaxedSimdSupported() ? [createWasmBackend({ relaxedSimd: true }), createWasmBackend({ relaxedSimd: true, relaxedIntegerDot: true })] : []),
];

describe('q8 packs across backends', () => {
  const backends: Q8Backend[] = [ref, ...(wasmBackends() as Q8Backend[]), K];
  const r = rng(99);
  const m = 6, k = 77, n = 19;
  const w = randomWeights(n, k, r, 0, 0);
  const a = randomArray(m * k, r);
  const bias = randomArray(n, r);
  const want = new Float32Array(m * n);
  ref.gemmQ8({ m, a, b: ref.packQ8(w), out: want, bias });

  it('a pack of any backend gives any backend the same bits (the JS one adopts wasm packs and vice versa)', () => {
    for (const packer of backends) {
      const p = packer.packQ8(w);
      for (const user of backends) {
        const got = new Float32Array(m * n);
        user.gemmQ8({ m, a, b: p, out: got, bias });
        expectIdentical(got, want, `${packer.name} pack on ${user.name}`);
        const dots = new Int32Array(m * n), refDots = new Int32Array(m * n);
        const qa = new Int16Array(m * k).map(() => Math.round((r() * 2 - 1) * 8191));
        user.dotQ8({ m, a: qa, b: p, out: dots });
        ref.dotQ8({ m, a: qa, b: p, out: refDots });
        expectIdentical(dots, refDots, `${packer.name} pack dotted on ${user.name}`);
      }
      p.dispose();
    }
  });

  it('dispose is idempotent, frees wasm memory, and a disposed wasm pack is refused', () => {
    for (const wasm of wasmBackends()) {
      const before = wasm.memoryStats().allocatedBytes;
      const p: PackedQ8Matrix = wasm.packQ8!(w);
      expect(wasm.memoryStats().allocatedBytes).toBeGreaterThan(before);
      p.dispose();
      p.dispose();
      expect(wasm.memoryStats().allocatedBytes).toBe(before);
      expect(() => wasm.gemmQ8!({ m, a, b: p, out: new Float32Array(m * n) })).toThrow(/dispose/);
      expect(() => ref.gemmQ8({ m, a, b: p, out: new Float32Array(m * n) })).toThrow(/dispose/);
      wasm.dispose();
    }
  });

  it('weights that do not fit the wasm memory stay packed on the JS heap, with the same results', () => {
    const small = createWasmBackend({ relaxedSimd: false, maxMemoryBytes: 1 << 20 }) as Q8Backend;
    const big = randomWeights(1024, 1536, rng(5), 0, 0); // 1.5 MiB of int8
    const x = randomArray(3 * 1536, rng(6));
    const got = new Float32Array(3 * 1024), expected = new Float32Array(3 * 1024);
    small.gemmQ8({ m: 3, a: x, b: small.packQ8(big), out: got });
    ref.gemmQ8({ m: 3, a: x, b: ref.packQ8(big), out: expected });
    expectIdentical(got, expected, 'exhausted');
  });
});

describe.runIf(threadsSupported())('q8 on 3 threads', () => {
  it('splits the columns and the rows\' quantization across the workers with bit-identical results, ragged chunks and row tiles included', async () => {
    const threaded = createWasmBackend({ numThreads: 3 }) as WasmBackend & Q8Backend;
    await threaded.ready();
    // the last three quantize on the workers too (m · K ≥ 2^15), in items of whole row tiles, the last one ragged
    for (const [m, k, n] of [[64, 300, 1000], [7, 1000, 4096], [33, 3072, 77], [45, 1000, 40], [131, 300, 50]]) {
      const r = rng(m + k + n);
      const w = randomWeights(n, k, r, 0, 0);
      const a = randomArray(m * k, r);
      const bias = randomArray(n, r);
      const got = new Float32Array(m * n), want = new Float32Array(m * n);
      threaded.gemmQ8({ m, a, b: threaded.packQ8(w), out: got, bias });
      ref.gemmQ8({ m, a, b: ref.packQ8(w), out: want, bias });
      expectIdentical(got, want, `${m}x${k}x${n}`);
      const qa = new Int16Array(m * k).map(() => Math.round((r() * 2 - 1) * activationLimit(k)));
      const dots = new Int32Array(m * n), refDots = new Int32Array(m * n);
      threaded.dotQ8({ m, a: qa, b: threaded.packQ8(w), out: dots });
      ref.dotQ8({ m, a: qa, b: ref.packQ8(w), out: refDots });
      expectIdentical(dots, refDots, `dots ${m}x${k}x${n}`);
    }
    expect(threaded.numThreads).toBe(3);
    threaded.dispose();
  });

  it.each([false, ...(relaxedSimdSupported() ? [true] : [])])('reads and writes operands in its own memory (allocate) in place, bit-identical, the input untouched (relaxed integer dot %s)', async (relaxedIntegerDot) => {
    const threaded = createWasmBackend({ numThreads: 3, relaxedIntegerDot }) as WasmBackend & Q8Backend;
    await threaded.ready();
    // in place both ways (K a multiple of 16, N of 8); A copied (K = 100); C through scratch (N = 37)
    for (const [m, k, n] of [[45, 768, 64], [131, 64, 24], [9, 100, 16], [6, 32, 37]]) {
      const r = rng(7 * m + k + n);
      const w = randomWeights(n, k, r, 0, 0);
      const lda = k + 16, ldo = n + 8, aOffset = 16, outOffset = 8;
      const a = threaded.allocate!(aOffset + m * lda)!;
      a.set(randomArray(a.length, r));
      const aBefore = a.slice();
      const bias = randomArray(n, r);
      for (const activation of [undefined, 'gelu'] as const) {
        const out = threaded.allocate!(outOffset + m * ldo)!;
        out.set(randomArray(out.length, r));
        const before = out.slice(), want = out.slice();
        const args = { m, a, aOffset, aStride: lda, outOffset, outStride: ldo, bias, accumulate: true, activation };
        threaded.gemmQ8({ ...args, b: threaded.packQ8(w), out });
        ref.gemmQ8({ ...args, activation: undefined, b: ref.packQ8(w), out: want });
        // the product's bits are the reference's; GELU is the backend's own (as in the activation test above)
        if (activation !== undefined) for (let i = 0; i < m; i++) threaded.activate({ activation, x: want, offset: outOffset + i * ldo, length: n });
        const label = `${m}x${k}x${n} ${activation ?? 'plain'}`;
        for (let i = 0; i < m; i++) {
          const at = outOffset + i * ldo;
          expectIdentical(out.subarray(at, at + n), want.subarray(at, at + n), `${label} row ${i}`);
          expectIdentical(out.subarray(at - (i === 0 ? outOffset : ldo - n), at), before.subarray(at - (i === 0 ? outOffset : ldo - n), at), `${label} gap before row ${i}`);
        }
        threaded.release!(out);
      }
      expect(a).toEqual(aBefore);
      threaded.release!(a);
    }
    threaded.dispose();
  });
});
