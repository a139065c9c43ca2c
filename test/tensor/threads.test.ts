// The wasm backend on worker threads: same results as one thread, bad numThreads rejected, a failing or
// dead worker neither hangs nor breaks the backend, dispose stops the workers (reclaim.test.ts: so does GC).
import { afterAll, describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/model/deberta-model.js';
import { createWasmBackend, threadsSupported, type WasmBackend } from '../../src/tensor/wasm/backend.js';
import { createRuntime } from '../../src/tensor/wasm/host/runtime.js';
import { PANEL } from '../../src/tensor/wasm/layout.js';
import { ITEMS_PER_THREAD, type ThreadPool } from '../../src/tensor/wasm/threads/pool.js';
import { maxAbsDiff, modelDir, readJsonFile, type FixtureExpected, type FixtureInputs } from '../helpers/fixtures.js';
import { randomArray, rng } from '../helpers/random.js';

const diff = (x: Float32Array, y: Float32Array) => {
  expect(x.length).toBe(y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
};

const untilReady = async (pool: ThreadPool, n: number) => {
  for (let i = 0; i < 200 && pool.ready < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(pool.ready).toBe(n);
};

describe('numThreads', () => {
  it.each([0, -1, 1.5, Number.NaN, 257, Infinity])('rejects %s with a clear error', (n) => {
    expect(() => createWasmBackend({ numThreads: n })).toThrow(/numThreads must be an integer from 1 to 256/);
  });

  it('Node has worker threads', () => {
    expect(threadsSupported()).toBe(true);
  });
});

describe.runIf(threadsSupported())('wasm backend on 3 threads', () => {
  const K = createWasmBackend({ numThreads: 3 });
  const one = createWasmBackend({ numThreads: 1 });
  afterAll(() => K.dispose());

  it('gemm gives bit-identical results to one thread, also on shapes with ragged chunks', async () => {
    await K.ready();
    expect(K.numThreads).toBe(3);
    for (const [M, Kd, N] of [[64, 300, 1000], [129, 64, 77], [7, 1000, 4096], [3, 5, 7]]) {
      const r = rng(M + Kd + N);
      const a = randomArray(M * Kd, r);
      const w = randomArray(N * Kd, r);
      const bias = randomArray(N, r);
      const [c1, c3] = [new Float32Array(M * N), new Float32Array(M * N).fill(1)];
      one.gemm({ m: M, a, b: one.packB({ source: w, rows: Kd, cols: N, transposed: true }), out: c1, bias });
      K.gemm({ m: M, a, b: K.packB({ source: w, rows: Kd, cols: N, transposed: true }), out: c3, bias });
      expect(diff(c3, c1)).toBe(0);
    }
  });

  it('a parallel matmul is cut into whole panels, about ITEMS_PER_THREAD items per thread', () => {
    const rt = createRuntime(false, undefined, undefined, 3);
    try {
      const target = 3 * ITEMS_PER_THREAD;
      for (const cols of [3072, 768, 5000, 100, 8, 1]) {
        const per = rt.pool!.itemSize(cols, PANEL);
        expect(per % PANEL).toBe(0);
        const items = Math.ceil(cols / per);
        expect(items).toBeLessThanOrEqual(target);
        // as many as there are panels when they are fewer; otherwise close to the target
        expect(items).toBeGreaterThanOrEqual(Math.min(Math.ceil(cols / PANEL), Math.floor((5 * target) / 6)));
      }
    } finally {
      rt.pool!.dispose();
    }
  });

  it('attention reads K and V and writes the context in place when they live in its memory (allocate), with the same bits', async () => {
    await K.ready();
    for (const [batch, L, heads, d] of [[2, 19, 3, 16], [1, 11, 2, 5]]) { // d = 5: the context goes through scratch
      const r = rng(batch + L + d);
      const A = heads * d, n = batch * L * A, rows = 2 * L;
      const [q, k, v] = [randomArray(n, r), randomArray(n, r), randomArray(n, r)];
      const pos = randomArray(rows * A, r);
      const relative = {
        posK: Array.from({ length: heads }, (_, h) => K.packB({ source: pos, rows: d, cols: rows, transposed: true, offset: h * d, stride: A })),
        posQ: null,
        c2p: Int32Array.from({ length: L * L }, (_, t) => Math.floor(t / L) - (t % L) + L),
        p2c: new Int32Array(L * L),
      };
      const mask = Uint8Array.from({ length: batch * L }, (_, t) => (t % 7 === 3 ? 0 : 1));
      const args = { batch, length: L, heads, headSize: d, scale: 0.2, mask, relative };
      const want = K.attention({ ...args, q, k, v });
      const resident = (x: Float32Array) => {
        const y = K.allocate!(n)!;
        y.set(x);
        return y;
      };
      const [rq, rk, rv, out] = [resident(q), resident(k), resident(v), K.allocate!(n)!];
      expect(out.buffer).toBeInstanceOf(SharedArrayBuffer);
      const got = K.attention({ ...args, q: rq, k: rk, v: rv, out });
      expect(got).toBe(out);
      expect(diff(got, want)).toBe(0);
      expect(diff(rk, k) + diff(rv, v) + diff(rq, q)).toBe(0); // inputs untouched
      for (const x of [rq, rk, rv, out]) K.release!(x);
    }
  });

  it('layerNorm on rows in its memory (allocate) runs in place, into another buffer or onto itself, with the same bits', async () => {
    const [rows, cols] = [13, 37];
    const r = rng(99);
    const x = randomArray(rows * cols, r, 3), gamma = randomArray(cols, r), beta = randomArray(cols, r);
    const want = new Float32Array(rows * cols);
    K.layerNorm({ x, rows, cols, gamma, beta, eps: 1e-7, out: want });
    const rx = K.allocate!(rows * cols)!, out = K.allocate!(rows * cols)!;
    rx.set(x);
    K.layerNorm({ x: rx, rows, cols, gamma, beta, eps: 1e-7, out });
    expect(diff(out, want)).toBe(0);
    expect(diff(rx, x)).toBe(0);
    K.layerNorm({ x: rx, rows, cols, gamma, beta, eps: 1e-7, out: rx });
    expect(diff(rx, want)).toBe(0);
    K.release!(rx);
    K.release!(out);
  });

  it('a model on threads matches the fixture, and concurrent forward calls do not interfere', async () => {
    const name = 'v3_base_like';
    const inputs = readJsonFile<FixtureInputs>(`${modelDir(name)}/inputs.json`);
    const expected = readJsonFile<FixtureExpected>(`${modelDir(name)}/expected.json`);
    const model = await DebertaModel.fromPretrained(modelDir(name), { backend: K });
    expect(model.backend).toBe(K);
    const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
    const { lastHiddenState } = await model.forward(batch);
    expect(maxAbsDiff(lastHiddenState.data, expected.last_hidden_state)).toBeLessThan(1e-4);
    const single = (i: number) => ({ inputIds: [inputs.input_ids[i % 2].slice(0, 3 + i)] });
    const alone = await Promise.all([0, 1, 2, 3].map(async (i) => (await model.forward(single(i))).lastHiddenState.data));
    const together = await Promise.all([0, 1, 2, 3].map((i) => model.forward(single(i))));
    together.forEach((out, i) => expect(diff(out.lastHiddenState.data, alone[i])).toBe(0));
  });
});

describe.runIf(threadsSupported())('worker failures', () => {
  it('a worker that fails in a kernel makes the call throw; the pool keeps working without it', async () => {
    const rt = createRuntime(false, undefined, undefined, 3);
    const pool = rt.pool!;
    await untilReady(pool, 2);
    const bad = 0x7ffffff0; // far outside the memory: every claimed item traps
    expect(() => pool.run('gemmTask', 64, [4, 8, 64, bad, 32, bad, bad, 256, 0, 0, 0, PANEL])).toThrow();
    // Still computes (on the threads that are left) after the failure.
    const m = 8, k = 16, n = 64;
    const a = rt.heap.alloc(m * k * 4), b = rt.heap.alloc(k * n * 4), c = rt.heap.alloc(m * n * 4);
    const f32 = rt.heap.f32();
    f32.fill(1, a >> 2, (a >> 2) + m * k);
    f32.fill(0.5, b >> 2, (b >> 2) + k * n);
    pool.run('gemmTask', 8, [m, k, n, a, k * 4, b, c, n * 4, 0, 0, 0, PANEL]);
    expect(Array.from(rt.heap.f32().subarray(c >> 2, (c >> 2) + m * n)).every((v) => v === 8)).toBe(true);
    pool.dispose();
  });

  it('a worker that died between calls is skipped, not waited for', async () => {
    const rt = createRuntime(false, undefined, undefined, 3);
    const pool = rt.pool!;
    await untilReady(pool, 2);
    (pool as unknown as { workers: Array<{ terminate(): void }> }).workers[0].terminate();
    await new Promise((r) => setTimeout(r, 50));
    const m = 4, k = 8, n = 256;
    const a = rt.heap.alloc(m * k * 4), b = rt.heap.alloc(k * n * 4), c = rt.heap.alloc(m * n * 4);
    rt.heap.f32().fill(1, a >> 2, (a >> 2) + m * k);
    rt.heap.f32().fill(1, b >> 2, (b >> 2) + k * n);
    const t0 = performance.now();
    pool.run('gemmTask', 32, [m, k, n, a, k * 4, b, c, n * 4, 0, 0, 0, PANEL]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(rt.heap.f32()[(c >> 2) + m * n - 1]).toBe(8);
    pool.dispose();
  });

  it('dispose stops the workers and leaves a working single-threaded backend', () => {
    const K: WasmBackend = createWasmBackend({ numThreads: 2 });
    K.dispose();
    K.dispose();
    expect(K.numThreads).toBe(1);
    const c = new Float32Array(4);
    K.gemm({ m: 1, a: Float32Array.from([1, 2]), b: K.packB({ source: Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]), rows: 2, cols: 4, transposed: false }), out: c });
    expect(Array.from(c)).toEqual([3, 3, 3, 3]);
  });

  it('a disposed pool runs tasks on the calling thread (what a reclaimed backend\'s leftovers would call)', async () => {
    const rt = createRuntime(false, undefined, undefined, 3);
    const pool = rt.pool!;
    await untilReady(pool, 2);
    pool.dispose();
    pool.dispose();
    expect(pool.disposed).toBe(true);
    expect(pool.ready).toBe(0);
    const m = 4, k = 8, n = 256;
    const a = rt.heap.alloc(m * k * 4), b = rt.heap.alloc(k * n * 4), c = rt.heap.alloc(m * n * 4);
    rt.heap.f32().fill(1, a >> 2, (a >> 2) + m * k);
    rt.heap.f32().fill(2, b >> 2, (b >> 2) + k * n);
    pool.run('gemmTask', 32, [m, k, n, a, k * 4, b, c, n * 4, 0, 0, 0, PANEL]);
    expect(Array.from(rt.heap.f32().subarray(c >> 2, (c >> 2) + m * n)).every((v) => v === 16)).toBe(true);
  });

  it('weights packed before dispose stay in use after it, without a copy', async () => {
    const K = createWasmBackend({ numThreads: 2 });
    await K.ready();
    const r = rng(7);
    const [M, Kd, N] = [16, 64, 512];
    const a = randomArray(M * Kd, r);
    const w = K.packB({ source: randomArray(N * Kd, r), rows: Kd, cols: N, transposed: true });
    const [before, after] = [new Float32Array(M * N), new Float32Array(M * N)];
    K.gemm({ m: M, a, b: w, out: before });
    K.dispose();
    await K.ready(); // resolves at once: no workers to wait for
    const allocated = K.memoryStats().allocatedBytes;
    K.gemm({ m: M, a, b: w, out: after });
    expect(diff(after, before)).toBe(0);
    expect(K.memoryStats().allocatedBytes).toBe(allocated);
  });
});
