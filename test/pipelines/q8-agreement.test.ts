/**
 * dtype 'q8' on the pipeline fixtures: wherever transformers' float32 top answer leads the runner-up by more
 * than 0.05, q8's top answer is the same (tokens for fill-mask, labels for text and zero-shot
 * classification). The tiny fixture models have random weights, so their margins are often small; the
 * cases below the margin are counted, not asserted.
 */
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { pipeline, type FillMaskPipeline, type TextClassificationPipeline, type ZeroShotClassificationPipeline } from '../../src/index.js';
import { FIXTURES, readJsonFile } from '../helpers/fixtures.js';

interface Case {
  id: string;
  task: string;
  inputs: unknown;
  kwargs: Record<string, unknown>;
  output: unknown;
}

const MARGIN = 0.05;
const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');
const { cases } = readJsonFile<{ cases: Case[] }>(join(FIXTURES, 'pipelines', 'cases.json'));

/** A ranking found in a pipeline output: names in score order with their scores. */
interface Ranking {
  path: string;
  names: string[];
  scores: number[];
}

/** Every ranking in an output: arrays of {score, token_str | label} and zero-shot's {labels, scores}. */
function rankings(x: unknown, path = '$'): Ranking[] {
  if (Array.isArray(x)) {
    if (x.length > 0 && x.every((e) => e !== null && typeof e === 'object' && 'score' in e)) {
      const entries = x as Array<Record<string, unknown>>;
      return [{ path, names: entries.map((e) => String(e.token_str ?? e.tokenStr ?? e.label)), scores: entries.map((e) => e.score as number) }];
    }
    return x.flatMap((e, i) => rankings(e, `${path}[${i}]`));
  }
  if (x !== null && typeof x === 'object' && 'labels' in x && 'scores' in x) {
    const z = x as { labels: string[]; scores: number[] };
    return [{ path, names: z.labels, scores: z.scores }];
  }
  return [];
}

const pipes: { fill?: FillMaskPipeline; clf?: TextClassificationPipeline; zs?: ZeroShotClassificationPipeline } = {};
beforeAll(async () => {
  pipes.fill = await pipeline('fill-mask', MLM, { semantics: 'slow', dtype: 'q8' });
  pipes.clf = await pipeline('text-classification', NLI, { semantics: 'slow', dtype: 'q8' });
  pipes.zs = await pipeline('zero-shot-classification', NLI, { semantics: 'slow', dtype: 'q8' });
});

async function runQ8(c: Case): Promise<unknown> {
  const kw = c.kwargs;
  switch (c.task) {
    case 'fill-mask': {
      const tk = (kw.tokenizer_kwargs ?? {}) as { truncation?: boolean };
      return pipes.fill!(c.inputs as string, { topK: kw.top_k as number | undefined, targets: kw.targets as string[] | undefined, truncation: tk.truncation ?? false });
    }
    case 'text-classification': {
      const opts: Record<string, unknown> = { truncation: kw.truncation ?? false };
      if ('top_k' in kw) opts.topK = kw.top_k;
      if ('function_to_apply' in kw) opts.functionToApply = kw.function_to_apply;
      if ('return_all_scores' in kw) opts.returnAllScores = kw.return_all_scores;
      const input = JSON.parse(JSON.stringify(c.inputs).replace(/"text_pair"/g, '"textPair"')) as Parameters<TextClassificationPipeline>[0];
      return pipes.clf!(input, opts);
    }
    case 'zero-shot-classification':
      return pipes.zs!(c.inputs as string, kw.candidate_labels as string | string[], {
        hypothesisTemplate: kw.hypothesis_template as string | undefined,
        multiLabel: kw.multi_label as boolean | undefined,
      });
    default:
      return null;
  }
}

it('q8 keeps float32\'s top answer wherever it leads by more than 0.05', async () => {
  let decisive = 0, close = 0;
  for (const c of cases.filter((k) => k.task !== 'feature-extraction')) {
    const want = rankings(c.output);
    const got = rankings(await runQ8(c));
    expect(got.map((r) => r.path), c.id).toEqual(want.map((r) => r.path));
    want.forEach((w, i) => {
      // A ranking of one (top_k 1) shows no runner-up: it cannot be judged.
      if (w.scores.length < 2 || w.scores[0] - w.scores[1] <= MARGIN) {
        close++;
        return;
      }
      decisive++;
      expect(got[i].names[0], `${c.id} ${w.path}`).toBe(w.names[0]);
    });
  }
  if (process.env.Q8_MEASURE === '1') console.log(`q8 pipelines: ${decisive} decisive rankings agree, ${close} within the margin or single`);
  expect(decisive).toBeGreaterThanOrEqual(22); // all 22 decisive rankings of the fixtures (measured)
});
