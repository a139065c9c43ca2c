// Child process of the zero-shot section (bench/zero-shot.ts): one engine at one thread count, timing
// zero-shot classification of each workload. Ours: the pipeline batched, and the pipeline one pair per forward
// (batchSize 1). ONNX Runtime: the backbone graph on each pair alone, at its own length, tokenized by our
// tokenizer (what transformers.js does; the classifier head, two small matmuls, is left out).
import { pipeline } from '../src/pipelines/pipeline.js';
import { AutoTokenizer } from '../src/tokenizers/auto.js';
import type { DebertaTokenizer } from '../src/tokenizers/tokenizer.js';
import { childTask, reportToParent } from './child-protocol.js';
import { openOrt } from './ort-session.js';
import { median } from './timing.js';
import { LABELS, TEMPLATE, WORKLOAD_TEXTS, type Workload } from './zero-shot-texts.js';

/** One engine. */
export type ZeroShotEngine = { kind: 'ours'; dtype: 'fp32' | 'q8' } | { kind: 'ort-node'; graph: string };

/** What the parent asks. */
export interface ZeroShotTask {
  engine: ZeroShotEngine;
  /** The NLI checkpoint folder (model and tokenizer). */
  folder: string;
  threads: number;
  runs: number;
}

/** How the pairs go through the model. */
export type Method = 'batched' | 'one at a time';

/** What the child reports: timed runs (ms) by workload and method, and each workload's real tokens. */
export interface ZeroShotResult {
  runs: Partial<Record<Workload, Partial<Record<Method, number[]>>>>;
  tokens: Record<Workload, number>;
  relaxedSimd: boolean | null;
}

/** Each (text, hypothesis) pair's token ids at its own length, as the pipeline encodes it. */
function pairIds(tokenizer: DebertaTokenizer, workload: Workload): number[][] {
  return WORKLOAD_TEXTS[workload].flatMap((t) =>
    LABELS.map((l) => tokenizer(t, TEMPLATE.replace('{}', l), { truncation: 'only_first', maxLength: 512 }).inputIds[0]),
  );
}

/** Times each method on each workload, `runs` times, methods interleaved so that drift hits both alike. */
async function timeMethods(methods: Partial<Record<Method, (w: Workload) => Promise<unknown>>>, runs: number): Promise<ZeroShotResult['runs']> {
  const out: ZeroShotResult['runs'] = {};
  const entries = Object.entries(methods) as Array<[Method, (w: Workload) => Promise<unknown>]>;
  for (const [, fn] of entries) await fn('single'); // warm-up (and JIT tiering)
  for (const workload of Object.keys(WORKLOAD_TEXTS) as Workload[]) {
    const times: Partial<Record<Method, number[]>> = {};
    for (let r = 0; r < runs; r++) {
      for (const [name, fn] of entries) {
        const t0 = performance.now();
        await fn(workload);
        (times[name] ??= []).push(performance.now() - t0);
      }
    }
    for (const [name, ts] of Object.entries(times)) console.error(`    ${workload}, ${name}: median ${median(ts).toFixed(0)} ms`);
    out[workload] = times;
  }
  return out;
}

async function main(): Promise<void> {
  const task = childTask<ZeroShotTask>();
  const tokenizer = await AutoTokenizer.fromPretrained(task.folder);
  const tokens = { mixed: 0, single: 0 };
  for (const w of Object.keys(tokens) as Workload[]) tokens[w] = pairIds(tokenizer, w).reduce((s, ids) => s + ids.length, 0);
  let runs: ZeroShotResult['runs'];
  let relaxedSimd: boolean | null = null;
  if (task.engine.kind === 'ours') {
    const zs = await pipeline('zero-shot-classification', task.folder, { numThreads: task.threads, dtype: task.engine.dtype });
    relaxedSimd = (zs.model.backend as { relaxedSimd?: boolean }).relaxedSimd ?? null;
    await (zs.model.backend as { ready?: () => Promise<void> }).ready?.();
    runs = await timeMethods({
      batched: (w) => zs(WORKLOAD_TEXTS[w], LABELS, { hypothesisTemplate: TEMPLATE }),
      'one at a time': (w) => zs(WORKLOAD_TEXTS[w], LABELS, { hypothesisTemplate: TEMPLATE, batchSize: 1 }),
    }, task.runs);
    zs.dispose();
  } else {
    const ort = await openOrt('ort-node', task.engine.graph, task.threads);
    runs = await timeMethods({
      'one at a time': async (w) => {
        for (const ids of pairIds(tokenizer, w)) await ort.run([ids]);
      },
    }, task.runs);
    await ort.release();
  }
  const result: ZeroShotResult = { runs, tokens, relaxedSimd };
  reportToParent(result);
  process.exit(0); // ONNX Runtime's and our worker threads must not delay the exit
}

await main();
