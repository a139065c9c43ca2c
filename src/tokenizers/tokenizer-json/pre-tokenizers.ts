import { gpt2Split } from '../bpe/gpt2-split.js';
import { NormString } from '../text/normalized-string.js';
import { isPunctuation } from '../text/unicode.js';
import { Utf16Builder } from '../text/utf16-builder.js';

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

/** `Punctuation` with the `isolated` behaviour: every punctuation char becomes its own piece. */
export class PunctuationPreTokenizer implements PreTokenizer {
  split(piece: NormString, out: NormString[]): void {
    const t = piece.text;
    let start = 0;
    for (let i = 0; i < t.length; ) {
      const cp = t.codePointAt(i) as number;
      const len = cp > 0xffff ? 2 : 1;
      if (isPunctuation(cp)) {
        if (i > start) out.push(piece.slice(start, i));
        out.push(piece.slice(i, i + len));
        start = i + len;
      }
      i += len;
    }
    if (start < t.length) out.push(piece.slice(start, t.length));
  }
}
