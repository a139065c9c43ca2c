// Length-aware batching: planBatches' grouping, and pipelines that group forwards by token length yet give
// the results of one-at-a-time calls, in input order.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError, pipeline, type FillMaskPipeline, type FillMaskResult, type ZeroShotClassificationPipeline, type ZeroShotResult } from '../../src/index.js';
import { DEFAULT_MAX_TOKENS_PER_BATCH, planBatches } from '../../src/pipelines/batching.js';
import { FIXTURES } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('planBatches', () => {
  it('sorts indices by length, shortest first', () => {
    expect(planBatches([5, 1, 3, 2, 4], { batchSize: 2, maxTokens: 100 })).toEqual([[1, 3], [2, 4], [0]]);
  });

  it('is stable: equal lengths keep input order', () => {
    expect(planBatches([3, 1, 3, 1, 3, 1], { batchSize: 4, maxTokens: 100 })).toEqual([[1, 3, 5, 0], [2, 4]]);
  });

  it('puts at most batchSize sequences in a group', () => {
    const groups = planBatches(Array<number>(7).fill(10), { batchSize: 3, maxTokens: 1000 });
    expect(groups).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('keeps group size x longest length within maxTokens', () => {
    const lengths = [4, 4, 4, 10, 10, 10, 25];
    const groups = planBatches(lengths, { batchSize: 8, maxTokens: 30 });
    expect(groups).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    for (const g of groups) expect(g.length * Math.max(...g.map((i) => lengths[i]))).toBeLessThanOrEqual(30);
    // A group closes when the next, longer sequence would push the padded size over the budget.
    expect(planBatches([5, 5, 5, 7], { batchSize: 8, maxTokens: 21 })).toEqual([[0, 1, 2], [3]]);
  });

  it('covers every index once; no input gives no groups', () => {
    const lengths = Array.from({ length: 50 }, (_, i) => (i * 37) % 23 + 1);
    const groups = planBatches(lengths, { batchSize: 4, maxTokens: 60 });
    expect(groups.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(planBatches([], { batchSize: 8, maxTokens: 10 })).toEqual([]);
  });

  it('a sequence longer than the budget is an InputError naming both numbers', () => {
    const call = () => planBatches([3, 40, 5], { batchSize: 8, maxTokens: 32, where: 'fill-mask' });
    expect(call).toThrow(InputError);
    expect(call).toThrow('fill-mask: maxTokensPerBatch 32 is smaller than input 1, which is 40 tokens long');
  });

  it('rejects bounds that are not positive integers', () => {
    expect(() => planBatches([1], { batchSize: 0, maxTokens: 10 })).toThrow(InputError);
    expect(() => planBatches([1], { batchSize: 1, maxTokens: 1.5 })).toThrow('maxTokensPerBatch must be a positive integer, got 1.5');
  });

  it('has a default budget that 8 full 512-token sequences fit in', () => {
    expect(DEFAULT_MAX_TOKENS_PER_BATCH).toBeGreaterThanOrEqual(8 * 512);
  });
});

type Inputs = { inputIds: number[][] };
/** The [batch, padded length] of each forward the spy saw. */
const shapes = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([x]) => [(x as Inputs).inputIds.length, (x as Inputs).inputIds[0].length]);

describe('zero-shot: pairs batched by length', () => {
  let zs: ZeroShotClassificationPipeline;
  beforeAll(async () => {
    zs = await pipeline('zero-shot-classification', NLI);
  });
  afterAll(() => zs.dispose());

  const sequences = [
    'A long premise about the football match that ended in a draw after extra time and a penalty shoot-out in the rain.',
    'Short.',
    'The election results were announced late at night.',
    'Cats.',
  ];
  const labels = ['sports', 'politics', 'animals and pets'];

  it('gives the one-at-a-time results, in input order, from forwards grouped by length', async () => {
    const alone: ZeroShotResult[] = [];
    for (const s of sequences) alone.push(await zs(s, labels));
    const spy = vi.spyOn(zs.model, 'forward');
    const together = await zs(sequences, labels, { batchSize: 4 });
    expect(together.map((r) => r.sequence)).toEqual(sequences);
    together.forEach((r, i) => {
      expect(r.labels).toEqual(alone[i].labels);
      r.scores.forEach((s, j) => expect(Math.abs(s - alone[i].scores[j])).toBeLessThan(1e-6));
    });
    // 12 pairs in 3 forwards of 4; the padded lengths rise, and the shortest sequences' pairs go together.
    const seen = shapes(spy);
    expect(seen.map((s) => s[0])).toEqual([4, 4, 4]);
    expect(seen.map((s) => s[1])).toEqual([...seen.map((s) => s[1])].sort((a, b) => a - b));
    const first = (spy.mock.calls[0][0] as Inputs).inputIds.map((ids) => zs.tokenizer.decode(ids, { skipSpecialTokens: true }));
    expect(first.every((t) => t.startsWith('Short.') || t.startsWith('Cats.'))).toBe(true);
    // Sorted, the last batch holds only the long premise's pairs, not one padded to it with short ones.
    const last = (spy.mock.calls[2][0] as Inputs).inputIds.map((ids) => zs.tokenizer.decode(ids, { skipSpecialTokens: true }));
    expect(last.filter((t) => t.startsWith('A long premise'))).toHaveLength(3);
  });

  it('maxTokensPerBatch splits forwards so none pads past it', async () => {
    const spy = vi.spyOn(zs.model, 'forward');
    const budget = 80;
    const out = await zs(sequences, labels, { batchSize: 12, maxTokensPerBatch: budget });
    const ref = await zs(sequences, labels, { batchSize: 1 });
    out.forEach((r, i) => r.scores.forEach((s, j) => expect(Math.abs(s - ref[i].scores[j])).toBeLessThan(1e-6)));
    const seen = shapes(spy).slice(0, -12); // the first call's forwards
    for (const [b, L] of seen) expect(b * L).toBeLessThanOrEqual(budget);
    expect(seen.reduce((n, [b]) => n + b, 0)).toBe(12);
  });

  it('a budget below one pair is an InputError naming both numbers and the pair', async () => {
    const call = zs(sequences, labels, { maxTokensPerBatch: 10 });
    await expect(call).rejects.toThrow(InputError);
    await expect(call).rejects.toThrow(/zero-shot-classification: maxTokensPerBatch 10 is smaller than the pair of sequence \d and label \d, which is \d+ tokens long/);
  });
});

describe('fill-mask: texts batched by length', () => {
  let fill: FillMaskPipeline;
  beforeAll(async () => {
    fill = await pipeline('fill-mask', MLM);
  });
  afterAll(() => fill.dispose());

  const texts = [
    'The capital of France is [MASK], a city known for its museums, its cafes and the long river that crosses it.',
    'A [MASK].',
    'She went to the [MASK] to buy some bread.',
    'The [MASK] is blue.',
    'I [MASK] you.',
  ];

  it('gives the one-at-a-time results, in input order, from forwards grouped by length', async () => {
    const alone: FillMaskResult[][] = [];
    for (const t of texts) alone.push((await fill(t)) as FillMaskResult[]);
    const spy = vi.spyOn(fill.model, 'forward');
    const together = (await fill(texts, { batchSize: 2 })) as FillMaskResult[][];
    expect(together).toHaveLength(texts.length);
    together.forEach((r, i) => {
      expect(r.map((x) => x.token)).toEqual(alone[i].map((x) => x.token));
      expect(r.map((x) => x.sequence)).toEqual(alone[i].map((x) => x.sequence));
      r.forEach((x, j) => expect(Math.abs(x.score - alone[i][j].score)).toBeLessThan(1e-6));
    });
    const lengths = texts.map((t) => fill.tokenizer.encode(t).length);
    const sorted = texts.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
    // Groups of 2 in length order, each padded to its own longest text only.
    const expected = [sorted.slice(0, 2), sorted.slice(2, 4), sorted.slice(4)].map((g) => [g.length, Math.max(...g.map((i) => lengths[i]))]);
    expect(shapes(spy)).toEqual(expected);
  });

  it('checks maxTokensPerBatch like other options', async () => {
    for (const bad of [0, -1, 2.5, '64', null]) {
      await expect(fill('A [MASK].', { maxTokensPerBatch: bad as never })).rejects.toThrow(InputError);
      await expect(fill('A [MASK].', { maxTokensPerBatch: bad as never })).rejects.toThrow('fill-mask: maxTokensPerBatch must be a positive integer');
    }
  });
});
