// Child process of the memory section (bench/memory.ts), bundled into one plain ES module and started with
// --expose-gc so that the process holds only the library: loads a checkpoint folder, runs one forward,
// collects garbage, and reports its memory.
import { readFileSync } from 'node:fs';
import { DebertaModel } from '../src/model/deberta-model.js';
import type { WasmBackend } from '../src/tensor/wasm/backend.js';
import { childTask, reportToParent } from './child-protocol.js';

/** What the parent asks. */
export interface MemoryTask {
  folder: string;
  dtype: 'fp32' | 'q8';
}

/** Memory at one point, in MiB. */
export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What the child reports (MiB, ms). */
export interface MemoryResult {
  baseline: MemorySnapshot;
  afterLoad: MemorySnapshot;
  afterForward: MemorySnapshot;
  /** Highest RSS until the load returned: VmHWM from /proc/self/status, or the highest sample elsewhere. */
  peakLoad: number;
  /** Highest RSS until after the forward. */
  peakForward: number;
  peakSource: 'VmHWM' | 'sampled';
  /** Bytes of the backend's WebAssembly memory (packed weights, scratch), MiB. */
  wasmReserved: number | null;
  loadMs: number;
}

const MiB = 2 ** 20;

/** Peak RSS so far from /proc/self/status (Linux), MiB; null elsewhere. */
function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? null : Number(m[1]) / 1024;
  } catch {
    return null;
  }
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory-child needs node --expose-gc');
  gc();
  gc();
}

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return { rss: m.rss / MiB, heapUsed: m.heapUsed / MiB, external: m.external / MiB, arrayBuffers: m.arrayBuffers / MiB };
}

async function main(): Promise<void> {
  const task = childTask<MemoryTask>();
  // Sampling sees only the moments the load yields; VmHWM, where there is one, sees every moment.
  let sampled = 0;
  const sample = () => (sampled = Math.max(sampled, process.memoryUsage().rss / MiB));
  const timer = setInterval(sample, 2);
  collect();
  const baseline = snapshot();
  const t0 = performance.now();
  const model = await DebertaModel.fromPretrained(task.folder, { dtype: task.dtype, numThreads: 1 });
  const loadMs = performance.now() - t0;
  sample();
  const hwmLoad = vmHwm();
  collect();
  const afterLoad = snapshot();
  const ids = [Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : i === 127 ? 2 : 5 + ((i * 7919) % 127990)))];
  await model.forward({ inputIds: ids });
  sample();
  const hwmForward = vmHwm();
  collect();
  const afterForward = snapshot();
  clearInterval(timer);
  const backend = model.backend as Partial<WasmBackend>;
  const result: MemoryResult = {
    baseline,
    afterLoad,
    afterForward,
    peakLoad: hwmLoad ?? sampled,
    peakForward: hwmForward ?? sampled,
    peakSource: hwmLoad === null ? 'sampled' : 'VmHWM',
    wasmReserved: backend.memoryStats ? backend.memoryStats().reservedBytes / MiB : null,
    loadMs,
  };
  model.dispose();
  reportToParent(result);
}

await main();
