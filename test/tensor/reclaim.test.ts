// Threaded models and backends dropped without dispose() give their worker threads and memory back once
// the garbage collector reclaims them (issue 11). Measured in a child process (`--expose-gc`, its own
// thread count), see reclaim.child.ts: 30 dropped 2-thread models/backends, one kept model that must keep
// its worker, one disposed model whose collection must not dispose it again.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadsSupported } from '../../src/tensor/wasm/backend.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VITE_NODE = join(ROOT, 'node_modules', 'vite-node', 'vite-node.mjs');
const RELAXED = '--experimental-wasm-relaxed-simd';

interface Sample {
  threads: number;
  rssMB: number;
}

interface ChildResult {
  before: Sample;
  peak: Sample;
  after: Sample;
  target: number;
  reclaimMs: number;
  kept: { numThreads: number; readyMs: number; diff: number };
}

describe.runIf(threadsSupported() && existsSync('/proc/self/status'))('dropped threaded models', () => {
  // The child does not depend on the project's backend: vitest.config.ts runs this file once, in `wasm`.
  it('give their threads and memory back after GC; a kept model keeps its workers', () => {
    const flags = ['--expose-gc'];
    if (spawnSync(process.execPath, [RELAXED, '-e', '0']).status === 0) flags.push(RELAXED);
    const r = spawnSync(process.execPath, [...flags, VITE_NODE, join(import.meta.dirname, 'reclaim.child.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.status, `child failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
    const line = r.stdout.trim().split('\n').pop()!;
    const m = JSON.parse(line) as ChildResult;
    console.log(
      `threads ${m.before.threads} -> ${m.peak.threads} (30 dropped) -> ${m.after.threads} after GC (${m.reclaimMs} ms); ` +
      `RSS ${m.before.rssMB} -> ${m.peak.rssMB} -> ${m.after.rssMB} MB`,
    );
    // Every dropped model really had a worker thread running...
    expect(m.peak.threads).toBeGreaterThanOrEqual(m.before.threads + 30);
    // ...and collection stopped them all (the target counts the kept model's worker; small margin).
    expect(m.after.threads).toBeLessThanOrEqual(m.target + 2);
    // Most of the memory they held is back (their shared wasm memories and worker isolates).
    expect(m.after.rssMB - m.before.rssMB).toBeLessThan((m.peak.rssMB - m.before.rssMB) / 2);
    // The kept model still has its worker, and computes the same.
    expect(m.kept.numThreads).toBe(2);
    expect(m.kept.readyMs).toBeLessThan(1000);
    expect(m.kept.diff).toBe(0);
  });
});
