// fill-mask's limits: topK against the vocabulary (transformers' torch.topk fails past it), masks that
// truncation removes, and topK's selection cost.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError, pipeline, type FileSource, type FillMaskPipeline, type FillMaskResult } from '../../src/index.js';
import { argsortDescending, topK } from '../../src/pipelines/scores.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const VOCAB = 128100; // rows of the example model's LM head (config vocab_size)

let fill: FillMaskPipeline;
beforeAll(async () => {
  fill = await pipeline('fill-mask', MLM);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const count = (s: string, part: string) => s.split(part).length - 1;

describe('fill-mask topK', () => {
  it('above the vocabulary is an InputError naming both numbers', async () => {
    await expect(fill('A [MASK] here.', { topK: VOCAB + 1 })).rejects.toThrow(InputError);
    await expect(fill('A [MASK] here.', { topK: VOCAB + 1 })).rejects.toThrow(`fill-mask: topK ${VOCAB + 1} is larger than the vocabulary (${VOCAB} tokens)`);
  });

  it('with targets is capped at their number, as transformers does', async () => {
    const out = (await fill('A [MASK] here.', { topK: 10 * VOCAB, targets: ['▁house', '▁dog'] })) as FillMaskResult[];
    expect(out.map((r) => r.tokenStr).sort()).toEqual(['dog', 'house']);
  });

  it('equal to the vocabulary gives every token once, by descending probability', async () => {
    const out = (await fill('A [MASK] here.', { topK: VOCAB })) as FillMaskResult[];
    expect(out).toHaveLength(VOCAB);
    expect(new Set(out.map((r) => r.token)).size).toBe(VOCAB);
    expect(out.every((r, i) => i === 0 || out[i - 1].score >= r.score)).toBe(true);
    expect(Math.abs(out.reduce((s, r) => s + r.score, 0) - 1)).toBeLessThan(1e-9);
    const top5 = (await fill('A [MASK] here.')) as FillMaskResult[];
    expect(out.slice(0, 5)).toEqual(top5);
  });
});

describe('topK selection', () => {
  it('equals a full sort (ties by lower index first) for every k', () => {
    const values = Array.from({ length: 300 }, (_, i) => Math.floor(((i * 7919) % 101) / 3)); // many ties
    const sorted = argsortDescending(values);
    for (const k of [1, 2, 5, 17, 299, 300, 1000]) expect(topK(values, k), `k=${k}`).toEqual(sorted.slice(0, k));
    expect(topK(values, 0)).toEqual([]);
  });

  it('ranks NaN below every number', () => {
    expect(topK([NaN, 1, NaN, 3, 2], 5)).toEqual([3, 4, 1, 0, 2]);
  });

  it('reads O(n log k) values, not O(n k) (the whole 128k vocabulary used to take 10 s)', () => {
    const n = 20_000;
    const data = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    let reads = 0;
    const counted = new Proxy(data, {
      get(target, key) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key) as unknown;
      },
    });
    const out = topK(counted, n);
    expect(out).toEqual(argsortDescending(data));
    // A binary heap needs about 4 reads per comparison, 2 comparisons per level, log2(k) levels, for each of
    // the n values and for the final sort of the k kept; an insertion-sorted buffer needs ~n·k/2 = 2e8.
    expect(reads).toBeLessThan(20 * n * Math.log2(n));
  });
});

describe('fill-mask masks removed by truncation', () => {
  it('is an InputError when truncation removed the only mask (not "No mask_token found")', async () => {
    const text = 'word '.repeat(2000) + '[MASK].';
    await expect(fill(text)).rejects.toThrow(InputError);
    await expect(fill(text)).rejects.toThrow(
      'fill-mask: input 0 has 1 [MASK] token, but truncation to 512 tokens removed it; shorten the text so that a mask is within its first 510 tokens',
    );
    await expect(fill(['A [MASK] here.', 'word '.repeat(2000) + '[MASK] [MASK] [MASK].'])).rejects.toThrow(
      'fill-mask: input 1 has 3 [MASK] tokens, but truncation to 512 tokens removed all of them',
    );
  });

  it('a text without any mask still gets transformers\' message', async () => {
    await expect(fill('word '.repeat(2000))).rejects.toThrow('No mask_token ([MASK]) found on the input');
  });

  it('warns naming how many of how many masks were removed, and fills the rest correctly', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const out = (await fill('[MASK] '.repeat(600))) as FillMaskResult[][];
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'fill-mask: truncation to 512 tokens removed 90 of the 600 [MASK] tokens of input 0 (masks 511-600, counting from the start); ' +
        'the results are for the 510 left. Shorten the text to get all of them.',
    );
    // [CLS], the 510 masks that fit, [SEP]: one list per mask, each with topK proposals whose sequence has the
    // proposal at that mask's place and keeps the other 509 masks and the special tokens (several masks).
    expect(out).toHaveLength(510);
    expect(out.every((proposals) => proposals.length === 5)).toBe(true);
    out.forEach((proposals, j) => {
      if (j % 10 !== 0 && j !== 509) return; // every 10th mask and the last: each check decodes 512 tokens
      for (const p of proposals) {
        const filled = [fill.tokenizer.clsTokenId, ...Array<number>(510).fill(fill.tokenizer.maskTokenId), fill.tokenizer.sepTokenId];
        filled[j + 1] = p.token;
        expect(p.sequence).toBe(fill.tokenizer.decode(filled));
        expect(p.tokenStr).toBe(fill.tokenizer.decode([p.token]));
        expect(p.tokenStr.length).toBeGreaterThan(0);
      }
      const { sequence, tokenStr } = proposals[0];
      const at = sequence.indexOf(tokenStr, '[CLS]'.length + j * '[MASK]'.length);
      expect(count(sequence.slice(0, at), '[MASK]')).toBe(j);
      expect(count(sequence, '[MASK]')).toBe(509);
    });
  });

  it('names the input in a batch, and does not warn when nothing was removed', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await fill(['A [MASK] here.', 'An [MASK] at the start. ' + 'word '.repeat(2000)]);
    expect(warn).not.toHaveBeenCalled();
    await fill(['A [MASK] here.', 'word '.repeat(509) + '[MASK] '.repeat(3)], { batchSize: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('removed 2 of the 3 [MASK] tokens of input 1 (masks 2-3, counting from the start)');
    await fill(['word '.repeat(509) + '[MASK] '.repeat(2)]);
    expect(warn.mock.calls[1][0]).toContain('removed 1 of the 2 [MASK] tokens of input 0 (mask 2, counting from the start)');
  });

  it('counts from the end for a tokenizer that truncates on the left', async () => {
    const left: FileSource = {
      name: `${MLM} (truncation_side left)`,
      async read(file) {
        try {
          const bytes = new Uint8Array(readFileSync(join(MLM, file)));
          if (file !== 'tokenizer_config.json') return bytes;
          const c = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
          return new TextEncoder().encode(JSON.stringify({ ...c, truncation_side: 'left' }));
        } catch {
          return null;
        }
      },
    };
    const leftFill = await pipeline('fill-mask', left);
    expect(leftFill.tokenizer.truncationSide).toBe('left');
    await expect(leftFill('[MASK] ' + 'word '.repeat(2000))).rejects.toThrow('so that a mask is within its last 510 tokens');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // 520 tokens between [CLS] and [SEP]; the last 510 are kept.
    const out = await leftFill('[MASK] '.repeat(20) + 'word '.repeat(500));
    expect(out).toHaveLength(10);
    expect(warn.mock.calls[0][0]).toContain('removed 10 of the 20 [MASK] tokens of input 0 (masks 1-10, counting from the start)');
    leftFill.dispose();
  });
});
