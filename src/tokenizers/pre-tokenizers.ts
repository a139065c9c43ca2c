import { NormString } from './normalized-string.js';
import { WHITE_SPACE_CLASS } from './unicode.js';
import { Utf16Builder } from './utf16-builder.js';

/** A tokenizer.json pre-tokenizer: cuts one normalized piece into words (and may rewrite them). */
export interface PreTokenizer {
  split(piece: NormString, out: NormString[]): void;
}

/** `Sequence`: each pre-tokenizer applied to every piece the previous one produced. */
export class SequencePreTokenizer implements PreTokenizer {
  constructor(private readonly steps: readonly PreTokenizer[]) {}
  split(piece: NormString, out: NormString[]): void {
    let current = [piece];
    for (const step of this.steps) {
      const next: NormString[] = [];
      for (const p of current) step.split(p, next);
      current = next;
    }
    for (const p of current) out.push(p);
  }
}

/** How `Metaspace` decides to add the replacement char in front of a piece. */
export type PrependScheme = 'always' | 'first' | 'never';

/**
 * `Metaspace`: spaces become `▁`, a `▁` is prepended (aligned with the first char) unless the piece already
 * starts with one, and the piece is cut before every `▁`.
 */
export class MetaspacePreTokenizer implements PreTokenizer {
  private readonly out = new Utf16Builder();
  private readonly rep: number;

  constructor(
    readonly replacement: string,
    readonly prependScheme: PrependScheme,
    private readonly splitWords: boolean,
  ) {
    this.rep = replacement.charCodeAt(0);
  }

  split(piece: NormString, out: NormString[]): void {
    const text = piece.text;
    const n = text.length;
    if (n === 0) return;
    const rep = this.rep;
    const b = this.out;
    b.length = 0;
    const first = text.charCodeAt(0);
    const startsWithRep = first === 0x20 || first === rep;
    const prepend =
      !startsWithRep && (this.prependScheme === 'always' || (this.prependScheme === 'first' && piece.base === 0));
    if (prepend) b.push(rep, piece.starts[0], piece.ends[0]);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      b.push(c === 0x20 ? rep : c, piece.starts[i], piece.ends[i]);
    }
    const whole = new NormString(b.toString(), b.a.slice(0, b.length), b.b.slice(0, b.length), piece.base);
    if (!this.splitWords) {
      out.push(whole);
      return;
    }
    const t = whole.text;
    let start = 0;
    for (let i = 1; i < t.length; i++) {
      if (t.charCodeAt(i) === rep) {
        out.push(whole.slice(start, i));
        start = i;
      }
    }
    out.push(whole.slice(start, t.length));
  }
}

const WS = `[${WHITE_SPACE_CLASS}]`;
const NOT_WS = `[^${WHITE_SPACE_CLASS}]`;
/**
 * GPT-2's pattern with `\s` spelled out as Unicode White_Space (what Oniguruma and Python's `regex` use;
 * JS `\s` differs on U+0085 and U+FEFF).
 */
export const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITE_SPACE_CLASS}\\p{L}\\p{N}]+|${WS}+(?!${NOT_WS})|${WS}+`,
  'gu',
);

/**
 * Calls `onPiece` for each GPT-2 pre-token of `text[start..end)`. The pattern matches every character, so
 * the pieces tile the range.
 */
export function gpt2Split(text: string, start: number, end: number, onPiece: (s: number, e: number) => void): void {
  const re = GPT2_PATTERN;
  const sub = start === 0 && end === text.length ? text : text.slice(start, end);
  re.lastIndex = 0;
  let prev = 0;
  for (let m = re.exec(sub); m; m = re.exec(sub)) {
    if (m.index > prev) onPiece(start + prev, start + m.index);
    onPiece(start + m.index, start + m.index + m[0].length);
    prev = m.index + m[0].length;
  }
  if (prev < sub.length) onPiece(start + prev, end);
}

/**
 * `ByteLevel` (the splitting half): optional prefix space, then the GPT-2 regex. Mapping to byte characters
 * happens inside the BPE model, which sees the original characters and their alignments.
 */
export class ByteLevelPreTokenizer implements PreTokenizer {
  constructor(
    private readonly addPrefixSpace: boolean,
    private readonly useRegex: boolean,
  ) {}

  split(piece: NormString, out: NormString[]): void {
    if (piece.length === 0) return;
    if (this.addPrefixSpace && piece.text.charCodeAt(0) !== 0x20) piece = prependSpace(piece);
    if (!this.useRegex) {
      out.push(piece);
      return;
    }
    gpt2Split(piece.text, 0, piece.length, (s, e) => out.push(piece.slice(s, e)));
  }
}

function prependSpace(piece: NormString): NormString {
  const n = piece.length;
  const starts = new Int32Array(n + 1);
  const ends = new Int32Array(n + 1);
  starts[0] = piece.starts[0];
  ends[0] = piece.ends[0];
  starts.set(piece.starts, 1);
  ends.set(piece.ends, 1);
  return new NormString(' ' + piece.text, starts, ends, piece.base);
}

const PUNCT = /[\p{P}!-/:-@[-`{-~]/u;

/** `Punctuation` with the `isolated` behaviour: every punctuation char becomes its own piece. */
export class PunctuationPreTokenizer implements PreTokenizer {
  split(piece: NormString, out: NormString[]): void {
    const t = piece.text;
    let start = 0;
    for (let i = 0; i < t.length; ) {
      const cp = t.codePointAt(i) as number;
      const len = cp > 0xffff ? 2 : 1;
      if (PUNCT.test(String.fromCodePoint(cp))) {
        if (i > start) out.push(piece.slice(start, i));
        out.push(piece.slice(i, i + len));
        start = i + len;
      }
      i += len;
    }
    if (start < t.length) out.push(piece.slice(start, t.length));
  }
}
