// Issue 16 item 4: zero-shot classification on a v3-base-shaped NLI model (random weights, real v3 tokenizer):
// our batched pipeline, our pipeline one pair per forward, and onnxruntime-node running the same backbone one
// pair at a time at each pair's own length (what transformers.js does), fp32 and q8 / int8, 1 and 2 threads.
// npm run bench -- zero-shot [--threads 1,2] [--runs 3] [--rounds 2] [--int8 gather|matmul]
// Every round runs every engine once and medians pool the rounds (as the q8 section does), so that a slow
// spell of a shared machine does not land on one engine only; within a child, the methods alternate.
import { flagValue } from './args.js';
import { relaxedSimdFlags, runChild } from './child-process.js';
import { prepareNliCheckpoint } from './nli-checkpoint.js';
import { installPeers } from './peer-packages.js';
import { ratioCell } from './ratio.js';
import { median, poolRuns } from './timing.js';
import { prepareFp32Graph, prepareInt8Graph, type Int8Variant } from './v3-base-files.js';
import type { Method, ZeroShotEngine, ZeroShotResult, ZeroShotTask } from './zero-shot-child.js';
import { WORKLOADS, type Workload } from './zero-shot-texts.js';

export async function benchZeroShot(argv: string[] = []): Promise<void> {
  const threadCounts = flagValue(argv, 'threads', '1,2').split(',').map(Number);
  const runs = Number(flagValue(argv, 'runs', '3'));
  const rounds = Number(flagValue(argv, 'rounds', '2'));
  const variant = flagValue(argv, 'int8', 'gather') as Int8Variant;
  installPeers();
  const folder = prepareNliCheckpoint();
  const engines: Array<[string, ZeroShotEngine]> = [
    ['ours fp32', { kind: 'ours', dtype: 'fp32' }],
    ['ours q8', { kind: 'ours', dtype: 'q8' }],
    ['ORT-node fp32', { kind: 'ort-node', graph: prepareFp32Graph() }],
    ['ORT-node int8', { kind: 'ort-node', graph: prepareInt8Graph(variant) }],
  ];
  const nodeFlags = relaxedSimdFlags();
  const results = new Map<string, ZeroShotResult>(); // by `${threads}|${engine}`
  for (let round = 1; round <= rounds; round++) {
    for (const threads of threadCounts) {
      for (const [name, engine] of engines) {
        console.error(`  zero-shot round ${round}/${rounds}: ${name}, ${threads} thread(s) ...`);
        const task: ZeroShotTask = { engine, folder, threads, runs };
        try {
          const r = runChild<ZeroShotResult>('./zero-shot-child.ts', task, { nodeFlags });
          const key = `${threads}|${name}`;
          const before = results.get(key);
          if (before === undefined) {
            results.set(key, r);
            continue;
          }
          for (const [workload, methods] of Object.entries(r.runs) as Array<[Workload, Partial<Record<Method, number[]>>]>) {
            poolRuns((before.runs[workload] ??= {}), methods);
          }
        } catch (e) {
          console.log(`(${name} at ${threads} thread(s) failed: ${(e as Error).message})`);
        }
      }
    }
  }
  const ms = (threads: number, engine: string, workload: Workload, method: Method): number | undefined => {
    const r = results.get(`${threads}|${engine}`)?.runs[workload]?.[method];
    return r === undefined ? undefined : median(r);
  };
  const any = results.values().next().value;
  if (any === undefined) return;
  const relaxed = [...results].find(([k]) => k.endsWith('|ours fp32'))?.[1].relaxedSimd;

  console.log(`\n## zero-shot: v3-base-shaped NLI model (random weights, DeBERTa-v3 tokenizer), median ms of ${runs} runs × ${rounds} interleaved rounds, tokens/s`);
  console.log(`Ours: pipeline('zero-shot-classification', { numThreads, dtype }), ${relaxed ? 'relaxed' : 'plain'} SIMD; "one at a time" = batchSize 1. ` +
    `ORT-node: backbone graph (ORT int8: ${variant}), one pair per run at its own length, tokenizing included.`);
  for (const workload of Object.keys(WORKLOADS) as Workload[]) {
    const tokens = any.tokens[workload];
    console.log(`\n### ${WORKLOADS[workload]}: ${tokens} tokens in all (each pair at its own length)`);
    console.log('| threads | engine | method | median ms | tokens/s |');
    console.log('|---:|---|---|---:|---:|');
    for (const threads of threadCounts) {
      for (const [name] of engines) {
        for (const method of ['batched', 'one at a time'] as Method[]) {
          const t = ms(threads, name, workload, method);
          if (t !== undefined) console.log(`| ${threads} | ${name} | ${method} | ${t.toFixed(0)} | ${(tokens / (t / 1000)).toFixed(0)} |`);
        }
      }
    }
  }

  console.log('\n### zero-shot ratios (time / time; targets from issue 16: ✓ met, ✗ missed)');
  console.log('| workload | threads | fp32 batched / fp32 one at a time (mixed: ≤ 0.9) | q8 batched / q8 one at a time (mixed: ≤ 0.9) | q8 batched / ORT-node fp32 (≤ 1.0) | q8 batched / ORT-node int8 | fp32 batched / ORT-node fp32 | q8 one at a time / ORT-node fp32 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const workload of Object.keys(WORKLOADS) as Workload[]) {
    for (const threads of threadCounts) {
      const t = (engine: string, method: Method) => ms(threads, engine, workload, method);
      const batchTarget = workload === 'mixed' ? 0.9 : undefined;
      console.log(`| ${workload} | ${threads} | ${[
        ratioCell(t('ours fp32', 'batched'), t('ours fp32', 'one at a time'), batchTarget),
        ratioCell(t('ours q8', 'batched'), t('ours q8', 'one at a time'), batchTarget),
        ratioCell(t('ours q8', 'batched'), t('ORT-node fp32', 'one at a time'), 1.0),
        ratioCell(t('ours q8', 'batched'), t('ORT-node int8', 'one at a time')),
        ratioCell(t('ours fp32', 'batched'), t('ORT-node fp32', 'one at a time')),
        ratioCell(t('ours q8', 'one at a time'), t('ORT-node fp32', 'one at a time')),
      ].join(' | ')} |`);
    }
  }
}
