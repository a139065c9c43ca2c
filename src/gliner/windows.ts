/**
 * Long texts in overlapping word windows (`{ window: true }`): GLiNER sees at most `max_len` words, so a
 * longer text runs as windows of `max_len` words starting every ⌈max_len / 2⌉ words. Each candidate span
 * (word range and label) is judged by one window only (see {@link owningWindow}); the candidates of all windows, in global word positions, then go
 * through GLiNER's greedy selection as one text's would.
 */
import type { ResolvedPredictOptions } from './options.js';
import { greedySearch, type WordSpan } from './decode.js';
import type { Word } from './words.js';

/** One window of a text: its first word and its words. */
export interface WordWindow {
  readonly offset: number;
  readonly words: readonly Word[];
}

/** The windows of a text's words (one window when they fit in `maxLen`). */
export function wordWindows(words: readonly Word[], maxLen: number): WordWindow[] {
  if (words.length <= maxLen) return [{ offset: 0, words }];
  const stride = Math.ceil(maxLen / 2);
  const out: WordWindow[] = [];
  for (let start = 0; ; start += stride) {
    out.push({ offset: start, words: words.slice(start, start + maxLen) });
    if (start + maxLen >= words.length) break;
  }
  return out;
}

/**
 * Index of the window that judges span [start, end] (inclusive word indices) of a text of `numWords` words,
 * or -1 when none holds it. A window's margin is the number of words it shows past the span on the nearer
 * side, where the text's own start and end count as unlimited context.
 */
export function owningWindow(windows: readonly WordWindow[], start: number, end: number, numWords: number): number {
  let best = -1;
  let bestMargin = -1;
  windows.forEach((w, i) => {
    const last = w.offset + w.words.length - 1;
    if (start < w.offset || end > last) return;
    const before = w.offset === 0 ? Infinity : start - w.offset;
    const after = last === numWords - 1 ? Infinity : last - end;
    const margin = Math.min(before, after);
    if (margin > bestMargin) [best, bestMargin] = [i, margin];
  });
  return best;
}

/**
 * Decoded word spans (global word indices) of each text, windowed.
 *
 * @param candidates the candidates (before greedy selection) of each window, in window-local word indices
 */
export function windowedWordSpans(
  split: readonly (readonly Word[])[],
  maxLen: number,
  rules: ResolvedPredictOptions,
  candidates: (windows: readonly (readonly Word[])[]) => WordSpan[][],
): WordSpan[][] {
  const perText = split.map((words) => (words.length === 0 ? [] : wordWindows(words, maxLen)));
  const flat = perText.flat();
  const found = candidates(flat.map((w) => w.words));
  let k = 0;
  return perText.map((windows, t) => {
    const merged: WordSpan[] = [];
    windows.forEach((w, i) => {
      for (const c of found[k++]) {
        const g = { ...c, start: c.start + w.offset, end: c.end + w.offset };
        if (owningWindow(windows, g.start, g.end, split[t].length) === i) merged.push(g);
      }
    });
    return greedySearch(merged, rules);
  });
}
