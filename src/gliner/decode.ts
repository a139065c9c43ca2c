/**
 * GLiNER's decoders (v0.2.27 `SpanDecoder` / `TokenDecoder` and `greedy_search`): candidates from the
 * probabilities, then a stable greedy selection by score, then a stable sort by start word.
 */

/** A decoded entity in word positions: words `start` … `end` (inclusive), label index, probability. */
export interface WordSpan {
  readonly start: number;
  readonly end: number;
  /** Index into the labels (prompt order). */
  readonly label: number;
  readonly score: number;
}

/** How overlapping candidates are resolved. */
export interface DecodeRules {
  /** Flat (no overlap at all) rather than nested (overlap only by containment). */
  readonly flatNer: boolean;
  /** The same span may be kept with several labels. */
  readonly multiLabel: boolean;
}

/** torch.sigmoid in float32. */
export function sigmoid32(x: number): number {
  return Math.fround(1 / (1 + Math.exp(-x)));
}

/**
 * Span candidates of span logits [W, maxWidth, C]: every (s, k, c) with sigmoid > threshold (strict) and
 * s + k inside the text, in row-major order.
 */
export function spanCandidatesAbove(logits: Float32Array, numWords: number, maxWidth: number, numLabels: number, threshold: number): WordSpan[] {
  // torch compares a float32 tensor with a Python float in float32.
  const t32 = Math.fround(threshold);
  const out: WordSpan[] = [];
  for (let s = 0; s < numWords; s++) {
    for (let k = 0; k < maxWidth; k++) {
      if (s + k + 1 > numWords) continue;
      for (let c = 0; c < numLabels; c++) {
        const p = sigmoid32(logits[(s * maxWidth + k) * numLabels + c]);
        if (p > t32) out.push({ start: s, end: s + k, label: c, score: p });
      }
    }
  }
  return out;
}

/**
 * Token-level candidates of logits [W, C, 3] (start, end, inside): each start (p > threshold) with each later
 * or equal end (p > threshold) of the same class, unless an inside probability in between is below the
 * threshold; score = the minimum of those inside probabilities and both ends'.
 */
export function tokenCandidatesAbove(logits: Float32Array, numWords: number, numLabels: number, threshold: number): WordSpan[] {
  const p = (w: number, c: number, j: number): number => sigmoid32(logits[(w * numLabels + c) * 3 + j]);
  // Start and end: float32 tensors against the threshold (in float32); inside: Python floats (doubles).
  const t32 = Math.fround(threshold);
  const starts: Array<[number, number]> = [];
  const ends: Array<[number, number]> = [];
  for (let w = 0; w < numWords; w++) {
    for (let c = 0; c < numLabels; c++) {
      if (p(w, c, 0) > t32) starts.push([w, c]);
      if (p(w, c, 1) > t32) ends.push([w, c]);
    }
  }
  const out: WordSpan[] = [];
  for (const [sw, sc] of starts) {
    for (const [ew, ec] of ends) {
      if (ew < sw || ec !== sc) continue;
      let score = Math.min(p(sw, sc, 0), p(ew, sc, 1));
      let inside = true;
      for (let w = sw; w <= ew; w++) {
        const q = p(w, sc, 2);
        if (q < threshold) {
          inside = false;
          break;
        }
        score = Math.min(score, q);
      }
      if (inside) out.push({ start: sw, end: ew, label: sc, score });
    }
  }
  return out;
}

/** Whether two word ranges clash under `rules` (GLiNER's has_overlapping / has_overlapping_nested). */
export function clash(a: WordSpan, b: WordSpan, rules: DecodeRules): boolean {
  if (a.start === b.start && a.end === b.end) return !rules.multiLabel;
  if (a.start > b.end || b.start > a.end) return false;
  if (rules.flatNer) return true;
  const aHoldsB = a.start <= b.start && a.end >= b.end;
  const bHoldsA = b.start <= a.start && b.end >= a.end;
  return !(aHoldsB || bHoldsA);
}

/**
 * GLiNER's greedy_search: candidates by score, descending (stable), each kept unless it clashes with one
 * already kept; the kept ones sorted by start word (stable).
 */
export function greedySearch(candidates: readonly WordSpan[], rules: DecodeRules): WordSpan[] {
  const byScore = [...candidates].sort((a, b) => b.score - a.score);
  const kept: WordSpan[] = [];
  for (const c of byScore) {
    if (!kept.some((k) => clash(c, k, rules))) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
