// Every case of the Python transformers 4.40.2 pipeline fixtures (test/fixtures/pipelines/cases.json).
// Tolerances from that folder's README: scores and embeddings atol 1e-4, small fill-mask scores also in log
// space within 1e-3; tokens, strings, labels and order exact.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type FillMaskPipeline, type FeatureExtractionPipeline, type TextClassificationPipeline, type ZeroShotClassificationPipeline } from '../../src/index.js';
import { FIXTURES, readJsonFile } from '../helpers/fixtures.js';

interface Case {
  id: string;
  task: string;
  model: string;
  inputs: unknown;
  kwargs: Record<string, unknown>;
  output: unknown;
}

const ROOT = join(import.meta.dirname, '..', '..');
const MODELS: Record<string, string> = {
  'deberta-v3-tiny-mlm': join(ROOT, 'examples', 'deberta-v3-tiny-mlm'),
  'deberta-v3-tiny-nli': join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli'),
};
const { cases } = readJsonFile<{ cases: Case[] }>(join(FIXTURES, 'pipelines', 'cases.json'));

/** snake_case keys of the Python output -> our camelCase. */
function camel(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(camel);
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), camel(v)]));
  }
  return x;
}

/** Deep comparison: numbers under key `score`/`scores` or inside embeddings within atol, everything else exact. */
function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const a = actual as number;
    expect(Math.abs(a - expected), `${path}: ${a} vs ${expected}`).toBeLessThanOrEqual(1e-4);
    if (expected > 0 && expected < 1e-3) expect(Math.abs(Math.log(a) - Math.log(expected)), `${path} (log)`).toBeLessThanOrEqual(1e-3);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

const pipes: Record<string, unknown> = {};
beforeAll(async () => {
  pipes['fill-mask'] = await pipeline('fill-mask', MODELS['deberta-v3-tiny-mlm'], { semantics: 'slow' });
  pipes['text-classification'] = await pipeline('text-classification', MODELS['deberta-v3-tiny-nli'], { semantics: 'slow' });
  pipes['zero-shot-classification'] = await pipeline('zero-shot-classification', MODELS['deberta-v3-tiny-nli'], { semantics: 'slow' });
  pipes['feature-extraction|deberta-v3-tiny-mlm'] = await pipeline('feature-extraction', MODELS['deberta-v3-tiny-mlm'], { semantics: 'slow' });
  pipes['feature-extraction|deberta-v3-tiny-nli'] = await pipeline('feature-extraction', MODELS['deberta-v3-tiny-nli'], { semantics: 'slow' });
});

describe.each(cases.map((c) => [c.id, c] as const))('%s', (_, c) => {
  it('matches transformers', async () => {
    const kw = c.kwargs;
    const expected = camel(c.output);
    switch (c.task) {
      case 'fill-mask': {
        const fill = pipes['fill-mask'] as FillMaskPipeline;
        const tk = (kw.tokenizer_kwargs ?? {}) as { truncation?: boolean };
        const out = await fill(c.inputs as string, {
          topK: kw.top_k as number | undefined,
          targets: kw.targets as string[] | undefined,
          truncation: tk.truncation ?? false,
        });
        expectClose(out, expected);
        break;
      }
      case 'text-classification': {
        const clf = pipes['text-classification'] as TextClassificationPipeline;
        const input = camel(c.inputs) as Parameters<TextClassificationPipeline>[0];
        const opts: Record<string, unknown> = { truncation: kw.truncation ?? false };
        if ('top_k' in kw) opts.topK = kw.top_k;
        if ('function_to_apply' in kw) opts.functionToApply = kw.function_to_apply;
        if ('return_all_scores' in kw) opts.returnAllScores = kw.return_all_scores;
        expectClose(await clf(input, opts), expected);
        break;
      }
      case 'zero-shot-classification': {
        const zs = pipes['zero-shot-classification'] as ZeroShotClassificationPipeline;
        const out = await zs(c.inputs as string, kw.candidate_labels as string | string[], {
          hypothesisTemplate: kw.hypothesis_template as string | undefined,
          multiLabel: kw.multi_label as boolean | undefined,
        });
        expectClose(out, expected);
        break;
      }
      case 'feature-extraction': {
        const fe = pipes[`feature-extraction|${c.model}`] as FeatureExtractionPipeline;
        const texts = Array.isArray(c.inputs) ? (c.inputs as string[]) : [c.inputs as string];
        const features = await fe(texts);
        const [, seq, H] = features.shape;
        // transformers returns each text unpadded as [1][tokens][hidden]; compare each text's own tokens.
        const perText = (Array.isArray(c.inputs) ? expected : [expected]) as number[][][][];
        perText.forEach((want, b) => {
          const rows = want[0];
          const got = rows.map((_, t) => Array.from(features.data.subarray((b * seq + t) * H, (b * seq + t + 1) * H)));
          expectClose(got, rows, `text ${b}`);
        });
        break;
      }
      default:
        throw new Error(`no test for task ${c.task}`);
    }
  });
});

it('covers every fixture case', () => {
  expect(cases.length).toBe(40);
});
