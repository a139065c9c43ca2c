// predictEntities' argument checks, GLiNER's truncation warning, overlapping windows for long texts, and the
// word splitter's Python-`re` semantics beyond the fixtures.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GlinerModel, InputError } from '../../src/index.js';
import { clash, greedySearch, spanCandidatesAbove, tokenCandidatesAbove, type WordSpan } from '../../src/gliner/decode.js';
import { owningWindow, wordWindows } from '../../src/gliner/windows.js';
import { splitWords } from '../../src/gliner/words.js';
import { caseSource, expected } from './helpers.js';

const load = GlinerModel.fromPretrained(caseSource('span_markerV0'));
afterAll(async () => (await load).dispose());
const text = 'Marie Curie worked in Paris.';

describe('predictEntities rejects bad input with an InputError naming it', () => {
  it.each([
    [[], /labels is empty/],
    [['person', ''], /labels\[1\] is an empty or blank string/],
    [['  '], /labels\[0\] is an empty or blank string/],
    [['person', 3], /labels\[1\] must be a string, got 3/],
    [['<<ENT>>'], /labels\[0\] "<<ENT>>" contains a prompt marker/],
    [null, /labels must be an array of strings, got null/],
  ])('labels %j', async (labels, message) => {
    const model = await load;
    await expect(model.predictEntities(text, labels as string[])).rejects.toThrow(InputError);
    await expect(model.predictEntities(text, labels as string[])).rejects.toThrow(message);
  });

  it.each([0, 1, -0.5, 1.5, Number.NaN, '0.5'])('threshold %s', async (threshold) => {
    const model = await load;
    await expect(model.predictEntities(text, ['person'], { threshold: threshold as number })).rejects.toThrow(/threshold must be a number in \(0, 1\)/);
  });

  it('other options and texts', async () => {
    const model = await load;
    await expect(model.predictEntities(text, ['person'], { flatner: false } as never)).rejects.toThrow(/unknown option "flatner" \(did you mean "flatNer"\?\)/);
    await expect(model.predictEntities(text, ['person'], { multiLabel: 'yes' as never })).rejects.toThrow(/multiLabel must be true or false/);
    await expect(model.predictEntities(text, ['person'], { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(model.predictEntities([text, 5 as never], ['person'])).rejects.toThrow(/texts\[1\] must be a string, got 5/);
    await expect(model.forward('   ', ['person'])).rejects.toThrow(/no words/);
  });

  it('whitespace-only and empty texts give [] (and are not run)', async () => {
    const model = await load;
    expect(await model.predictEntities(' \t\n\u3000 ', ['person'])).toEqual([]);
    expect(await model.predictEntities(['', '  '], ['person'], { threshold: 0.01 })).toEqual([[], []]);
  });

  it('a comma-separated label string is split, and duplicate labels count once', async () => {
    const model = await load;
    const a = await model.predictEntities(text, 'person, location', { threshold: 0.3, flatNer: false });
    const b = await model.predictEntities(text, ['person', 'location', 'person'], { threshold: 0.3, flatNer: false });
    expect(a).toEqual(b);
    expect((await model.forward(text, ['person', 'location', 'person'])).logits.shape).toEqual([1, 6, 12, 2]);
  });
});

describe('long texts', () => {
  const input = expected('span_markerV0').inputs.find((i) => i.id === 'long_truncated')!;

  it("drops the words past max_len as GLiNER does, warning how many", async () => {
    const model = await load;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await model.predictEntities(input.text, input.labels, { threshold: input.threshold });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('has 69 words; the model sees the first 40 (max_len), 29 dropped'));
    } finally {
      warn.mockRestore();
    }
  });

  it('{ window: true } covers every word with overlapping windows and no warning', async () => {
    const model = await load;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const words = splitWords(input.text);
      const windows = wordWindows(words, 40);
      expect(windows.map((w) => [w.offset, w.words.length])).toEqual([[0, 40], [20, 40], [40, 29]]);
      for (const mode of [{ flatNer: true }, { flatNer: false, multiLabel: true }]) {
        const got = await model.predictEntities(input.text, input.labels, { threshold: input.threshold, window: true, ...mode });
        // Entities of the windowed run are exactly what running each window on its own and merging gives.
        const perWindow = await Promise.all(windows.map((w) => model.predictEntities(input.text.slice(w.words[0].start, w.words[w.words.length - 1].end), input.labels, { threshold: input.threshold, flatNer: false, multiLabel: true })));
        for (const e of got) {
          expect(e.text).toBe(input.text.slice(e.start, e.end));
          const found = perWindow.some((list, i) => list.some((f) => f.label === e.label && f.start + windows[i].words[0].start === e.start && f.end + windows[i].words[0].start === e.end));
          expect(found).toBe(true);
        }
        if (mode.flatNer) for (let i = 1; i < got.length; i++) expect(got[i].start).toBeGreaterThanOrEqual(got[i - 1].end);
      }
      // A short text is one window: the same as without windows.
      const short = expected('span_markerV0').inputs[0];
      expect(await model.predictEntities(short.text, short.labels, { threshold: short.threshold, window: true })).toEqual(
        await model.predictEntities(short.text, short.labels, { threshold: short.threshold }),
      );
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('each span is judged by the window showing it the most context on its nearer side', () => {
    const words = splitWords(Array.from({ length: 10 }, (_, i) => `w${i}`).join(' '));
    const windows = wordWindows(words, 4); // offsets 0, 2, 4, 6
    expect(windows.map((w) => w.offset)).toEqual([0, 2, 4, 6]);
    const own = (start: number, end: number) => owningWindow(windows, start, end, 10);
    expect(own(0, 0)).toBe(0); // the text's start is no edge
    expect(own(3, 3)).toBe(1); // window 0 (0..3) shows nothing after it, window 1 (2..5) one word before
    expect(own(2, 3)).toBe(0); // a tie (0 and 0): the earlier window
    expect(own(5, 5)).toBe(2); // window 2 (4..7): one before, two after
    expect(own(9, 9)).toBe(3);
    expect(own(1, 6)).toBe(-1); // in no window
  });
});

describe('greedy decoding rules', () => {
  const s = (start: number, end: number, label: number, score: number): WordSpan => ({ start, end, label, score });
  it('flat, nested and multi-label clashes', () => {
    expect(clash(s(0, 2, 0, 1), s(2, 3, 0, 1), { flatNer: true, multiLabel: false })).toBe(true);
    expect(clash(s(0, 2, 0, 1), s(1, 1, 0, 1), { flatNer: false, multiLabel: false })).toBe(false);
    expect(clash(s(0, 2, 0, 1), s(2, 3, 0, 1), { flatNer: false, multiLabel: false })).toBe(true);
    expect(clash(s(0, 2, 0, 1), s(0, 2, 1, 1), { flatNer: true, multiLabel: true })).toBe(false);
    expect(clash(s(0, 2, 0, 1), s(0, 2, 1, 1), { flatNer: false, multiLabel: false })).toBe(true);
    expect(clash(s(0, 2, 0, 1), s(3, 4, 1, 1), { flatNer: true, multiLabel: false })).toBe(false);
  });
  it('thresholds: span and token start/end strictly above, token inside at or above', () => {
    // sigmoid(0) is exactly 0.5.
    expect(spanCandidatesAbove(Float32Array.from([0, 1]), 1, 1, 2, 0.5)).toEqual([{ start: 0, end: 0, label: 1, score: Math.fround(1 / (1 + Math.exp(-1))) }]);
    // Token logits [W=2, C=1, 3] (start, end, inside): a start on word 0, an end on word 1, inside exactly 0.5.
    const token = (start0: number) => Float32Array.from([start0, -5, 0, -5, 5, 0]);
    expect(tokenCandidatesAbove(token(5), 2, 1, 0.5)).toEqual([{ start: 0, end: 1, label: 0, score: 0.5 }]);
    expect(tokenCandidatesAbove(token(0), 2, 1, 0.5)).toEqual([]);
    // An end before the start never pairs; the score is the minimum of start, end and inside probabilities.
    const p = (x: number) => Math.fround(1 / (1 + Math.exp(-x)));
    expect(tokenCandidatesAbove(Float32Array.from([-5, 3, 4, 2, -5, 6]), 2, 1, 0.5)).toEqual([]);
    expect(tokenCandidatesAbove(Float32Array.from([2, 3, 4, -5, -5, 6]), 2, 1, 0.5)).toEqual([{ start: 0, end: 0, label: 0, score: p(2) }]);
  });

  it('stable: ties keep candidate order, equal starts keep score order', () => {
    const out = greedySearch([s(3, 3, 0, 0.6), s(1, 1, 0, 0.7), s(1, 2, 1, 0.7), s(1, 1, 1, 0.9)], { flatNer: false, multiLabel: true });
    expect(out).toEqual([s(1, 1, 1, 0.9), s(1, 1, 0, 0.7), s(1, 2, 1, 0.7), s(3, 3, 0, 0.6)]);
  });
});

describe("word splitter: Python re's \\w and \\S", () => {
  it.each([
    ['state-of-the-art GPU_cluster e-mail', ['state-of-the-art', 'GPU_cluster', 'e-mail']],
    ['1,200 09:30 v2.0', ['1', ',', '200', '09', ':', '30', 'v2', '.', '0']],
    ["O'Neil's", ['O', "'", 'Neil', "'", 's']],
    ['nai\u0308ve', ['nai', '\u0308', 've']],
    ['a--b _x_ 🚀x', ['a', '-', '-', 'b', '_x_', '🚀', 'x']],
    ['a\u00a0b\u2003c\u001fd\u200be', ['a', 'b', 'c', 'd\u200be'.slice(0, 1), '\u200b', 'e']],
    ['²³ Ⅻ ٣', ['²³', 'Ⅻ', '٣']],
  ])('%j', (t, words) => {
    expect(splitWords(t).map((w) => w.text)).toEqual(words);
    for (const w of splitWords(t)) expect(t.slice(w.start, w.end)).toBe(w.text);
  });
});
