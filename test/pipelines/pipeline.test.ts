import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputError, pipeline, WeightsError } from '../../src/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

describe('pipeline()', () => {
  it('rejects an unknown task, naming the supported ones', async () => {
    await expect(pipeline('summarization' as never, MLM)).rejects.toThrow(/unknown task "summarization"; supported: fill-mask/);
  });

  it('rejects a checkpoint without the head the task needs', async () => {
    await expect(pipeline('fill-mask', NLI)).rejects.toThrow(WeightsError);
    await expect(pipeline('fill-mask', NLI)).rejects.toThrow('no masked-LM head');
    await expect(pipeline('text-classification', MLM)).rejects.toThrow('missing tensor "pooler.dense.weight"');
  });

  it('zero-shot: empty labels, a template without {}, and batching all pairs together', async () => {
    const zs = await pipeline('zero-shot-classification', NLI);
    await expect(zs('some text', [])).rejects.toThrow(InputError);
    await expect(zs('some text', '  ,  ')).rejects.toThrow('at least one label');
    await expect(zs('some text', ['a'], { hypothesisTemplate: 'no slot' })).rejects.toThrow('hypothesisTemplate "no slot" was not able to be formatted');
    const spy = vi.spyOn(zs.model, 'forward');
    const labels = ['sports', 'politics', 'music', 'food', 'travel', 'science', 'art'];
    const texts = ['The match ended in a draw.', 'Parliament passed the budget after a long night of debate.'];
    const batched = await zs(texts, labels);
    expect(spy).toHaveBeenCalledTimes(2); // 14 pairs in padded batches of 8, not 14 forwards
    spy.mockClear();
    const oneByOne = await zs(texts, labels, { batchSize: 1 });
    expect(spy).toHaveBeenCalledTimes(14);
    batched.forEach((r, i) => {
      expect(r.labels).toEqual(oneByOne[i].labels);
      r.scores.forEach((s, j) => expect(Math.abs(s - oneByOne[i].scores[j])).toBeLessThan(1e-6));
    });
  });

  it('fill-mask: a text without a mask is an error naming the mask token', async () => {
    const fill = await pipeline('fill-mask', MLM);
    await expect(fill('no mask here')).rejects.toThrow('No mask_token ([MASK]) found on the input');
    await expect(fill('A [MASK] here', { topK: 0 })).rejects.toThrow('fill-mask: topK must be a positive integer, got 0');
  });

  it('fill-mask: a list of texts gives one result per text, equal to running them alone', async () => {
    const fill = await pipeline('fill-mask', MLM);
    const texts = ['Paris is the [MASK] of France.', 'A short [MASK].'];
    const both = await fill(texts, { topK: 3 });
    for (let i = 0; i < texts.length; i++) {
      const alone = await fill(texts[i], { topK: 3 });
      expect(both[i].map((r) => 'token' in r && r.token)).toEqual(alone.map((r) => 'token' in r && r.token));
    }
  });

  it('feature-extraction pools and normalises', async () => {
    const fe = await pipeline('feature-extraction', MLM);
    const raw = await fe(['Hello world!', 'A longer sentence than the first one.']);
    const [B, L, H] = raw.shape;
    expect(B).toBe(2);
    const mean = await fe(['Hello world!', 'A longer sentence than the first one.'], { pooling: 'mean', normalize: true });
    expect(mean.shape).toEqual([2, H]);
    // Mean over the 5 real tokens of text 0 ([CLS] ▁Hello ▁world ! [SEP]), then L2-normalised, by hand:
    const enc = fe.tokenizer('Hello world!');
    const n = enc.inputIds[0].length;
    const avg = Array.from({ length: H }, (_, j) => {
      let s = 0;
      for (let t = 0; t < n; t++) s += raw.data[t * H + j];
      return s / n;
    });
    const norm = Math.hypot(...avg);
    avg.forEach((v, j) => expect(Math.abs(mean.data[j] - v / norm)).toBeLessThan(1e-6));
    const cls = await fe('Hello world!', { pooling: 'cls' });
    expect(Array.from(cls.data)).toEqual(Array.from(raw.data.subarray(0, H)));
    expect(L).toBeGreaterThan(n);
  });

  it('text-classification: mixed single texts and pairs, and topK winning over returnAllScores', async () => {
    const clf = await pipeline('text-classification', NLI);
    const mixed = (await clf([{ text: 'A man plays.' }, { text: 'A man plays.', textPair: 'Someone plays.' }], { topK: null })) as Array<Array<{ label: string; score: number }>>;
    const alone = (await clf({ text: 'A man plays.', textPair: 'Someone plays.' }, { topK: null })) as Array<{ label: string; score: number }>;
    expect(mixed[1].map((x) => x.label)).toEqual(alone.map((x) => x.label));
    mixed[1].forEach((x, i) => expect(Math.abs(x.score - alone[i].score)).toBeLessThan(1e-6));
    const top1 = await clf('A man plays.', { topK: 1, returnAllScores: true });
    expect(top1).toHaveLength(1);
  });

  it('zero-shot labels are inserted literally into the template', async () => {
    const zs = await pipeline('zero-shot-classification', NLI);
    const out = await zs('It costs a lot.', ['$$5', '$&'], { hypothesisTemplate: 'The price is {}.' });
    expect(out.labels.sort()).toEqual(['$$5', '$&']);
  });
});

describe('fill-mask with model rows the tokenizer lacks', () => {
  it('spells ids past the tokenizer ([128001, 128100) in v3) as [UNK], as transformers does', async () => {
    const { fillMask } = await import('../../src/pipelines/fill-mask.js');
    const { AutoTokenizer, Tensor, parseConfig } = await import('../../src/index.js');
    const tokenizer = await AutoTokenizer.fromPretrained(MLM);
    const fake = {
      config: parseConfig({ model_type: 'deberta-v2', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 16, vocab_size: 128100 }),
      async forward(_: unknown, o: { positions: Array<[number, number]> }) {
        const logits = new Float32Array(o.positions.length * 128100);
        logits[128050] = 30; // far above every other row
        return { logits: new Tensor(logits, [o.positions.length, 128100]) };
      },
    };
    const [out] = await fillMask(fake as never, tokenizer, ['Paris is the [MASK] of France.'], { topK: 1 });
    expect(out).toEqual([{ score: expect.any(Number), token: 128050, tokenStr: '[UNK]', sequence: 'Paris is the of France.' }]);
  });
});
