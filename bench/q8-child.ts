// Child process of the q8 section (bench/q8.ts): loads one engine on the random v3-base weights at one
// thread count, times its forwards at each shape, and saves its b1 output for the agreement check.
import { writeFileSync } from 'node:fs';
import { DebertaModel } from '../src/model/deberta-model.js';
import { createWasmBackend, relaxedSimdSupported } from '../src/tensor/wasm/backend.js';
import { childTask, reportToParent } from './child-protocol.js';
import { openOrt } from './ort-session.js';
import { median } from './timing.js';

/** One engine of the comparison; `simd` of ours: plain SIMD, relaxed SIMD, or relaxed where the engine has it. */
export type EngineSpec =
  | { kind: 'ours'; dtype: 'fp32' | 'q8'; simd: 'plain' | 'relaxed' | 'auto' }
  | { kind: 'ort-node' | 'ort-web'; graph: string };

/** What the parent asks a child to measure. */
export interface EngineTask {
  engine: EngineSpec;
  /** The HF checkpoint folder (ours). */
  checkpoint: string;
  threads: number;
  shapes: Array<[number, number]>;
  runs: number;
  /** Where to write the first shape's output (raw float32). */
  outputFile: string;
}

/** What the child reports. */
export interface EngineResult {
  loadMs: number;
  /** Whether ours ran relaxed SIMD. */
  relaxed?: boolean;
  /** Timed runs (ms) by shape `b${batch}xs${seq}`. */
  runs: Record<string, number[]>;
}

interface Runner {
  run(ids: number[][]): Promise<Float32Array>;
  release(): Promise<void> | void;
  relaxed?: boolean;
}

/** Deterministic token ids (the peers section's), [batch][seq] with [CLS] ... [SEP]. */
export function benchIds(batch: number, seq: number): number[][] {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648), 5 + (s % 127990));
  return Array.from({ length: batch }, () => [1, ...Array.from({ length: seq - 2 }, next), 2]);
}

async function open(task: EngineTask): Promise<Runner> {
  const e = task.engine;
  if (e.kind !== 'ours') return openOrt(e.kind, e.graph, task.threads);
  const relaxed = e.simd === 'auto' ? relaxedSimdSupported() : e.simd === 'relaxed';
  const backend = createWasmBackend({ relaxedSimd: relaxed, numThreads: task.threads });
  await backend.ready();
  const model = await DebertaModel.fromPretrained(task.checkpoint, { backend, dtype: e.dtype });
  return {
    run: async (ids) => (await model.forward({ inputIds: ids })).lastHiddenState.data,
    release: () => {
      model.dispose();
      backend.dispose();
    },
    relaxed,
  };
}

async function main(): Promise<void> {
  const task = childTask<EngineTask>();
  const t0 = performance.now();
  const engine = await open(task);
  const loadMs = performance.now() - t0;
  const runs: EngineResult['runs'] = {};
  for (const [i, [batch, seq]] of task.shapes.entries()) {
    const ids = benchIds(batch, seq);
    const first = await engine.run(ids); // warm-up (and JIT tiering)
    if (i === 0) writeFileSync(task.outputFile, new Uint8Array(first.buffer, first.byteOffset, first.byteLength));
    const ts: number[] = [];
    for (let r = 0; r < task.runs; r++) {
      const t = performance.now();
      await engine.run(ids);
      ts.push(performance.now() - t);
    }
    runs[`b${batch}xs${seq}`] = ts;
    console.error(`    ${JSON.stringify(task.engine)} x${task.threads} b${batch}xs${seq}: median ${median(ts).toFixed(1)} ms`);
  }
  await engine.release();
  const result: EngineResult = { loadMs, runs, ...(engine.relaxed === undefined ? {} : { relaxed: engine.relaxed }) };
  reportToParent(result);
  process.exit(0); // ONNX Runtime's and our worker threads must not delay the exit
}

await main();
