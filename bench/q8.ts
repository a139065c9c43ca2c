// Issue 13 item 5: our int8 forward (dtype 'q8', plain and relaxed SIMD) against ONNX Runtime's float32 and
// dynamically quantized int8 graphs, natively and in WebAssembly, on identical v3-base-shaped random weights.
// npm run bench -- q8 [--shapes 1x128,8x128] [--threads 1,2] [--runs 3] [--rounds 2] [--int8 gather|matmul]
// Each engine runs in its own child process (relaxed SIMD needs a V8 flag on Node 20; ONNX Runtime's idle
// spinning threads would slow whatever runs beside them; onnxruntime-web fixes its thread count per process).
// Every round runs every engine once, and medians pool the rounds: on a shared machine whose speed drifts by a
// fifth over minutes, interleaving keeps one slow spell from landing on one engine only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { relaxedSimdSupported } from '../src/tensor/wasm/backend.js';
import { flagValue } from './args.js';
import { relaxedSimdFlags, runChild } from './child-process.js';
import { installPeers } from './peer-packages.js';
import type { EngineResult, EngineSpec, EngineTask } from './q8-child.js';
import { ratioCell } from './ratio.js';
import { median, poolRuns } from './timing.js';
import { prepareCheckpoint, prepareFp32Graph, prepareInt8Graph, type Int8Variant } from './v3-base-files.js';

/** Per-token cosine similarity of two [tokens, hidden] outputs: mean and minimum over tokens. */
function tokenCosine(a: Float32Array, b: Float32Array, hidden: number): { mean: number; min: number } {
  let sum = 0;
  let min = Infinity;
  const tokens = a.length / hidden;
  for (let t = 0; t < tokens; t++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = t * hidden; i < (t + 1) * hidden; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    const c = ab / Math.sqrt(aa * bb);
    sum += c;
    min = Math.min(min, c);
  }
  return { mean: sum / tokens, min };
}

export async function benchQ8(argv: string[] = []): Promise<void> {
  const shapes = flagValue(argv, 'shapes', '1x128,8x128').split(',').map((x) => x.split('x').map(Number) as [number, number]);
  const threadCounts = flagValue(argv, 'threads', '1,2').split(',').map(Number);
  const runs = Number(flagValue(argv, 'runs', '3'));
  const rounds = Number(flagValue(argv, 'rounds', '2'));
  const variant = flagValue(argv, 'int8', 'gather') as Int8Variant;
  installPeers();
  const checkpoint = prepareCheckpoint();
  const fp32Graph = prepareFp32Graph();
  const int8Graph = prepareInt8Graph(variant);
  const nodeFlags = relaxedSimdFlags();
  const relaxedAvailable = nodeFlags.length > 0 || relaxedSimdSupported();

  const engines: Array<[string, EngineSpec]> = [
    ['ours fp32', { kind: 'ours', dtype: 'fp32', simd: 'auto' }],
    ['ours q8 plain', { kind: 'ours', dtype: 'q8', simd: 'plain' }],
    ...(relaxedAvailable ? [['ours q8 relaxed', { kind: 'ours', dtype: 'q8', simd: 'relaxed' }] as [string, EngineSpec]] : []),
    ['ORT-web fp32', { kind: 'ort-web', graph: fp32Graph }],
    ['ORT-web int8', { kind: 'ort-web', graph: int8Graph }],
    ['ORT-node fp32', { kind: 'ort-node', graph: fp32Graph }],
    ['ORT-node int8', { kind: 'ort-node', graph: int8Graph }],
  ];
  const outDir = mkdtempSync(join(tmpdir(), 'deberta-bench-q8-'));
  const results = new Map<string, EngineResult>(); // by `${threads}|${engine}`
  const outputs = new Map<string, Float32Array>(); // by engine, at the first thread count
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const threads of threadCounts) {
        for (const [name, engine] of engines) {
          const outputFile = join(outDir, `${name.replace(/\W+/g, '-')}-${threads}.bin`);
          const task: EngineTask = { engine, checkpoint, threads, shapes, runs, outputFile };
          console.error(`  q8 round ${round}/${rounds}: ${name}, ${threads} thread(s) ...`);
          try {
            const r = runChild<EngineResult>('./q8-child.ts', task, { nodeFlags });
            const key = `${threads}|${name}`;
            const before = results.get(key);
            if (before !== undefined) poolRuns(before.runs, r.runs);
            else results.set(key, r);
            if (!outputs.has(name)) {
              outputs.set(name, new Float32Array(new Uint8Array(readFileSync(outputFile)).buffer));
            }
          } catch (e) {
            console.log(`(${name} at ${threads} thread(s) failed: ${(e as Error).message})`);
          }
        }
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }

  const ms = (threads: number, name: string, shape: string): number | undefined => {
    const r = results.get(`${threads}|${name}`)?.runs[shape];
    return r === undefined ? undefined : median(r);
  };
  const shapeKeys = shapes.map(([b, s]) => `b${b}xs${s}`);
  const fp32Relaxed = [...results].find(([k]) => k.endsWith('|ours fp32'))?.[1].relaxed;
  console.log(`\n## q8: DeBERTa-v3-base forward, median ms of ${runs} runs × ${rounds} interleaved rounds (same random weights, attention mask all ones)`);
  console.log(`ours fp32 runs ${fp32Relaxed ? 'relaxed' : 'plain'} SIMD; ORT int8 graph: ${variant} (make_int8_graph.py); each engine in its own process.`);
  console.log(`| threads | shape | ${engines.map(([n]) => n).join(' | ')} |`);
  console.log(`|---:|---|${engines.map(() => '---:').join('|')}|`);
  for (const threads of threadCounts) {
    for (const shape of shapeKeys) {
      console.log(`| ${threads} | ${shape} | ${engines.map(([n]) => ms(threads, n, shape)?.toFixed(0) ?? '-').join(' | ')} |`);
    }
  }
  const loadS = (name: string) => results.get(`${threadCounts[0]}|${name}`)?.loadMs;
  console.log(`| ${threadCounts[0]} | load, s | ${engines.map(([n]) => ((loadS(n) ?? NaN) / 1000).toFixed(1)).join(' | ')} |`);

  console.log('\n### q8 ratios (time / time; targets from issue 13: ✓ met, ✗ missed)');
  console.log('| threads | shape | q8 plain / ORT-web int8 (≤ 0.7) | q8 relaxed / ORT-web int8 (≤ 0.7) | q8 relaxed / ORT-node fp32 (≤ 1.0) | q8 plain / ORT-node fp32 (≤ 1.3) | q8 plain / ORT-node int8 | q8 relaxed / ORT-node int8 | q8 relaxed / ours fp32 |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const threads of threadCounts) {
    for (const shape of shapeKeys) {
      const t = (name: string) => ms(threads, name, shape);
      console.log(`| ${threads} | ${shape} | ${[
        ratioCell(t('ours q8 plain'), t('ORT-web int8'), 0.7),
        ratioCell(t('ours q8 relaxed'), t('ORT-web int8'), 0.7),
        ratioCell(t('ours q8 relaxed'), t('ORT-node fp32'), 1.0),
        ratioCell(t('ours q8 plain'), t('ORT-node fp32'), 1.3),
        ratioCell(t('ours q8 plain'), t('ORT-node int8')),
        ratioCell(t('ours q8 relaxed'), t('ORT-node int8')),
        ratioCell(t('ours q8 relaxed'), t('ours fp32')),
      ].join(' | ')} |`);
    }
  }

  const [b0, s0] = shapes[0];
  console.log(`\n### Outputs agree? per-token cosine of last hidden states, b${b0}xs${s0} at ${threadCounts[0]} thread(s) (mean / min over tokens)`);
  console.log('| a | b | mean | min | max abs diff |');
  console.log('|---|---|---:|---:|---:|');
  const pairs: Array<[string, string]> = [
    ['ours q8 relaxed', 'ORT-node int8'],
    ['ours q8 plain', 'ORT-node int8'],
    ['ours q8 plain', 'ours q8 relaxed'],
    ['ORT-web int8', 'ORT-node int8'],
    ['ours q8 relaxed', 'ORT-node fp32'],
    ['ORT-node int8', 'ORT-node fp32'],
    ['ours fp32', 'ORT-node fp32'],
    ['ORT-web fp32', 'ORT-node fp32'],
  ];
  for (const [a, b] of pairs) {
    const x = outputs.get(a);
    const y = outputs.get(b);
    if (x === undefined || y === undefined) continue;
    const c = tokenCosine(x, y, 768);
    let d = 0;
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
    console.log(`| ${a} | ${b} | ${c.mean.toFixed(5)} | ${c.min.toFixed(5)} | ${d.toExponential(1)} |`);
  }
}
