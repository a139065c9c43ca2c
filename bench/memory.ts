// Issue 13 item 7: memory of a v3-base-shaped model loaded from disk, fp32 against q8 (quantized as it loads,
// and from a checkpoint `quantize()` wrote). npm run bench -- memory
// Each case runs in a fresh `node --expose-gc` process holding only the bundled library (bench/memory-child.ts).
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantize } from '../src/model/quantize.js';
import { runChild } from './child-process.js';
import type { MemoryResult, MemoryTask } from './memory-child.js';
import { prepareCheckpoint } from './v3-base-files.js';

const MiB = 2 ** 20;

/** The random v3-base checkpoint rewritten in the q8 scheme by `quantize` (once). */
async function prepareQuantized(source: string): Promise<string> {
  const out = join(tmpdir(), 'deberta-bench-v3-base-q8');
  if (!existsSync(join(out, 'model.safetensors'))) {
    console.log(`writing the q8 checkpoint to ${out} (quantize) ...`);
    await quantize(source, out);
  }
  return out;
}

export async function benchMemory(): Promise<void> {
  const float = prepareCheckpoint();
  const quantized = await prepareQuantized(float);
  const cases: Array<[string, MemoryTask]> = [
    ['fp32, float checkpoint', { folder: float, dtype: 'fp32' }],
    ['q8, float checkpoint (quantized at load)', { folder: float, dtype: 'q8' }],
    ['q8, quantize() checkpoint', { folder: quantized, dtype: 'q8' }],
  ];
  const results = new Map<string, MemoryResult>();
  for (const [name, task] of cases) {
    console.error(`  memory: ${name} ...`);
    results.set(name, runChild<MemoryResult>('./memory-child.ts', task, { nodeFlags: ['--expose-gc'], runner: 'bundle' }));
  }
  const size = (folder: string) => statSync(join(folder, 'model.safetensors')).size / MiB;
  const f = (x: number) => x.toFixed(0);
  console.log('\n## memory: v3-base loaded from model.safetensors (1 thread), one forward b1 x s128, then gc; MiB');
  console.log(`float checkpoint ${f(size(float))} MiB on disk, quantize() checkpoint ${f(size(quantized))} MiB.`);
  console.log('| case | baseline RSS | peak RSS during load | RSS after load | RSS after load + forward | − baseline | external | arrayBuffers | heapUsed | wasm memory | load s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of results) {
    const a = r.afterForward;
    console.log(
      `| ${name} | ${f(r.baseline.rss)} | ${f(r.peakLoad)} | ${f(r.afterLoad.rss)} | ${f(a.rss)} | ${f(a.rss - r.baseline.rss)} | ${f(a.external)} | ` +
        `${f(a.arrayBuffers)} | ${f(a.heapUsed)} | ${r.wasmReserved === null ? '-' : f(r.wasmReserved)} | ${(r.loadMs / 1000).toFixed(1)} |`,
    );
  }
  const peakSource = results.values().next().value?.peakSource ?? 'VmHWM';
  console.log(`(peak: ${peakSource === 'VmHWM' ? 'VmHWM of /proc/self/status' : 'highest sampled RSS (sees only the moments the load yields)'})`);

  const fp32 = results.get(cases[0][0])!;
  console.log('\n### q8 / fp32 (target from issue 13: RSS after load + forward ≤ 0.35)');
  console.log('| case | RSS after load + forward | same − baseline | peak RSS during load | peak − baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name] of cases.slice(1)) {
    const q = results.get(name)!;
    const ratio = (x: number, y: number) => (x / y).toFixed(3);
    const rss = q.afterForward.rss / fp32.afterForward.rss;
    console.log(
      `| ${name} | ${rss.toFixed(3)} ${rss <= 0.35 ? '✓' : '✗'} | ${ratio(q.afterForward.rss - q.baseline.rss, fp32.afterForward.rss - fp32.baseline.rss)} | ` +
        `${ratio(q.peakLoad, fp32.peakLoad)} | ${ratio(q.peakLoad - q.baseline.rss, fp32.peakLoad - fp32.baseline.rss)} |`,
    );
  }
}
