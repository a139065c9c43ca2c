// predictEntities batches texts by token length: the same entities as one text at a time, in input order,
// from backbone batches grouped by length and within maxTokensPerBatch.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { GlinerModel, InputError, type GlinerEntity } from '../../src/index.js';
import { caseSource } from './helpers.js';

const load = GlinerModel.fromPretrained(caseSource('span_markerV0'));
afterAll(async () => (await load).dispose());
afterEach(() => {
  vi.restoreAllMocks();
});

const texts = [
  'Marie Curie worked at the Sorbonne in Paris with Pierre Curie, and later founded the Radium Institute in Warsaw and Paris.',
  'Bob met Alice.',
  'Angela Merkel visited Washington last week.',
  'Tokyo.',
];
const labels = ['person', 'organization', 'location'];

type Run = { inputIds: number[][] };
const backboneRuns = (model: GlinerModel) => vi.spyOn((model as unknown as { backbone: { run: (x: Run) => unknown } }).backbone, 'run');

describe('GLiNER: texts batched by length', () => {
  it('gives the one-at-a-time entities, in input order, from batches grouped by length', async () => {
    const model = await load;
    const alone: GlinerEntity[][] = [];
    for (const t of texts) alone.push(await model.predictEntities(t, labels, { threshold: 0.3 }));
    const spy = backboneRuns(model);
    const together = await model.predictEntities(texts, labels, { threshold: 0.3, batchSize: 2 });
    expect(together).toHaveLength(texts.length);
    together.forEach((entities, i) => {
      expect(entities.map((e) => [e.start, e.end, e.label])).toEqual(alone[i].map((e) => [e.start, e.end, e.label]));
      entities.forEach((e, j) => expect(Math.abs(e.score - alone[i][j].score)).toBeLessThan(1e-6));
    });
    const shapes = spy.mock.calls.map(([x]) => [x.inputIds.length, x.inputIds[0].length]);
    expect(shapes.map((s) => s[0])).toEqual([2, 2]);
    expect(shapes[0][1]).toBeLessThan(shapes[1][1]); // the two short texts together, then the two long ones
  });

  it('maxTokensPerBatch bounds each batch, and is checked like other options', async () => {
    const model = await load;
    const spy = backboneRuns(model);
    await model.predictEntities(texts, labels, { batchSize: 8, maxTokensPerBatch: 100 });
    for (const [x] of spy.mock.calls) expect(x.inputIds.length * x.inputIds[0].length).toBeLessThanOrEqual(100);
    const small = model.predictEntities(texts, labels, { maxTokensPerBatch: 5 });
    await expect(small).rejects.toThrow(InputError);
    await expect(small).rejects.toThrow(/GlinerModel\.predictEntities: maxTokensPerBatch 5 is smaller than input \d, which is \d+ tokens long/);
    await expect(model.predictEntities(texts, labels, { maxTokensPerBatch: 0 })).rejects.toThrow(/maxTokensPerBatch must be a positive integer, got 0/);
  });
});
