// Child process of reclaim.test.ts (run by vite-node with --expose-gc): threaded models and backends
// dropped without dispose() must give their worker threads and memory back once collected. Prints one
// JSON line of measurements; anything thrown (a finalizer included) makes the process fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebertaModel } from '../../src/model/deberta-model.js';
import { DebertaForMaskedLM } from '../../src/model/heads/masked-lm.js';
import { createWasmBackend, type WasmBackend } from '../../src/tensor/wasm/backend.js';
import { modelDir } from '../helpers/fixtures.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const DIR = modelDir('v3_base_like');
const DROPPED = 30;
const INPUTS = { inputIds: [[1, 5, 9, 2, 7, 3]] };

/** OS threads and resident memory (MB) of this process, from /proc (Linux). */
function proc(): { threads: number; rssMB: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1]);
  return { threads: field('Threads'), rssMB: Math.round(field('VmRSS') / 1024) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects until `done()` or `ms` elapse; returns the ms it took. */
async function collect(done: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    gc!();
    await sleep(20);
    if (done()) break;
  }
  return Math.round(performance.now() - t0);
}

const ownBackend = (m: DebertaModel) => m.backend as WasmBackend;

/** Creates, uses and drops threaded models and backends: nothing created here outlives the call. */
async function dropMany(): Promise<{ threads: number; rssMB: number }> {
  const models: Array<{ dispose(): void }> = [];
  for (let i = 0; i < DROPPED; i++) {
    if (i % 6 === 5) {
      // A backend made by the caller, used directly.
      const b = createWasmBackend({ numThreads: 2 });
      await b.ready();
      const c = new Float32Array(4 * 64);
      const w = b.packB({ source: new Float32Array(64 * 32).fill(1), rows: 32, cols: 64, transposed: true });
      b.gemm({ m: 4, a: new Float32Array(4 * 32).fill(1), b: w, out: c });
      if (c[0] !== 32) throw new Error('bad gemm');
      models.push(b);
    } else if (i % 6 === 4) {
      const m = await DebertaForMaskedLM.fromPretrained(join(DIR, 'heads', 'masked_lm'), { numThreads: 2 });
      await ownBackend(m.deberta).ready();
      await m.forward(INPUTS);
      models.push(m);
    } else {
      const m = await DebertaModel.fromPretrained(DIR, { numThreads: 2 });
      await ownBackend(m).ready();
      await m.forward(INPUTS);
      models.push(m);
    }
  }
  const peak = proc();
  models.length = 0;
  return peak;
}

async function main(): Promise<void> {
  // Warm up what a process starts once (libuv's file threads, the shared default backend's workers).
  const warm = await DebertaModel.fromPretrained(DIR);
  await warm.forward(INPUTS);
  gc!();
  await sleep(100);
  const before = proc();

  // One model stays referenced: its workers must survive every collection below.
  const kept = await DebertaModel.fromPretrained(DIR, { numThreads: 2 });
  await ownBackend(kept).ready();
  const keptOut = (await kept.forward(INPUTS)).lastHiddenState.data.slice();
  // Disposed, then dropped: its collection must not dispose it again (nor throw).
  let disposed: DebertaModel | null = await DebertaModel.fromPretrained(DIR, { numThreads: 2 });
  await ownBackend(disposed).ready();
  await disposed.forward(INPUTS);
  disposed.dispose();
  disposed = null;

  const peak = await dropMany();
  // Target: the baseline plus the kept model's one worker.
  const target = before.threads + 1;
  const reclaimMs = await collect(() => proc().threads <= target, 10_000);
  await collect(() => false, 300); // a few more rounds, for the shared memories of exited workers
  const after = proc();

  const keptBackend = ownBackend(kept);
  // ready() waits for live workers only: it would reject (after 10 s) had the kept model's worker been stopped.
  const t0 = performance.now();
  await keptBackend.ready();
  const keptReadyMs = Math.round(performance.now() - t0);
  const keptAgain = (await kept.forward(INPUTS)).lastHiddenState.data;
  let diff = 0;
  for (let i = 0; i < keptOut.length; i++) diff = Math.max(diff, Math.abs(keptOut[i] - keptAgain[i]));
  const result = {
    before, peak, after, target, reclaimMs,
    kept: { numThreads: keptBackend.numThreads, readyMs: keptReadyMs, diff },
  };
  kept.dispose();
  warm.dispose();
  console.log(JSON.stringify(result));
}

await main();
