/**
 * Garbage per forward (issue 16, item 5): in a process that also holds a large JS heap (100 MB of small
 * objects, as an app with other libraries loaded has), how many scavenges and mark-compacts each forward
 * triggers and how long they take. Large typed arrays count as external memory, which drives full
 * collections; a forward that reuses its buffers should trigger none.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { DebertaModel } from '../src/model/deberta-model.js';
import { createWasmBackend } from '../src/tensor/wasm/backend.js';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';

/** About `mb` MB of live, pointer-rich JS objects. */
function bigHeap(mb: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < mb * 1e6 / 80; i++) out.push({ id: i, name: `item ${i}`, tags: [i & 7] });
  return out;
}

/** The app's own JS heap the forwards run beside. */
const HEAP_MB = 100;

interface GcTally { minor: number; major: number; ms: number }

export async function benchGc(argv: readonly string[] = []): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 10;
  const heap = bigHeap(HEAP_MB);
  const backend = createWasmBackend({ numThreads: 1 });
  const model = DebertaModel.fromWeights({ ...V3_BASE_CONFIG, vocab_size: 1000 }, randomV2Weights({ ...V3_BASE_CONFIG, vocab_size: 1000 }), { backend });
  for (const [batch, seq] of [[1, 128], [8, 128]] as const) {
    const inputIds = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, t) => 3 + ((b * 31 + t * 7) % 990)));
    await model.forward({ inputIds }); // warm-up: packs, relative projections, first buffers
    const tally: GcTally = { minor: 0, major: 0, ms: 0 };
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) tally.major++;
        else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) tally.minor++;
        tally.ms += e.duration;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await model.forward({ inputIds });
    const wall = performance.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the observer flush
    observer.disconnect();
    console.log(
      `gc b${batch}xs${seq}, ${runs} forwards beside a ${HEAP_MB} MB JS heap (${heap.length} objects): per forward ` +
        `${(tally.minor / runs).toFixed(2)} scavenges, ${(tally.major / runs).toFixed(2)} mark-compacts, ` +
        `${(tally.ms / runs).toFixed(1)} ms in GC (forward ${(wall / runs).toFixed(0)} ms)`,
    );
  }
  model.dispose();
  backend.dispose();
}
