import type { PieceTrie } from '../text/trie.js';
import { Utf16Builder } from '../text/utf16-builder.js';
import type { Charsmap } from './charsmap.js';
import type { SpmNormalizerSpec } from './spm-model.js';

/** The result of sentencepiece normalization. */
export interface SpmNormalized {
  text: string;
  /** `map[i]` = original UTF-16 index of normalized unit i; `map[text.length]` = end of consumed input. */
  map: Int32Array;
}

const SPACE_SYMBOL = 0x2581;

/**
 * sentencepiece's `Normalizer::Normalize`: greedy longest match of the charsmap over the input, leading
 * spaces dropped, runs of spaces collapsed (only at the start of each replacement), a `▁` dummy prefix,
 * spaces escaped to `▁`, trailing `▁` dropped. Works on UTF-16 but matches the bytes sentencepiece sees.
 */
export class SpmNormalizer {
  private readonly out = new Utf16Builder();
  /** Length (UTF-16) and replacement of the last `prefix` call. */
  private prefixLength = 0;
  private prefixText = '';
  private prefixSame = false;

  constructor(
    private readonly spec: SpmNormalizerSpec,
    private readonly charsmap: Charsmap,
    private readonly userDefined: PieceTrie | null,
    private readonly treatWhitespaceAsSuffix = false,
  ) {}

  /** `NormalizePrefix`: user-defined symbols first, then the charsmap, else one code point unchanged. */
  private prefix(text: string, pos: number, end: number): void {
    if (this.userDefined) {
      let node = 0;
      let len = 0;
      for (let j = pos; j < end; j++) {
        node = this.userDefined.next(node, text.charCodeAt(j));
        if (node < 0) break;
        if (this.userDefined.values[node] >= 0) len = j + 1 - pos;
      }
      if (len > 0) {
        this.prefixLength = len;
        this.prefixSame = true;
        return;
      }
    }
    if (this.charsmap.longestMatch(text, pos, end)) {
      this.prefixLength = this.charsmap.matchEnd - pos;
      this.prefixText = this.charsmap.replacement(this.charsmap.matchValue);
      this.prefixSame = false;
      return;
    }
    const c = text.charCodeAt(pos);
    this.prefixLength = c >= 0xd800 && c < 0xdc00 && pos + 1 < end ? 2 : 1;
    this.prefixSame = true;
  }

  normalize(text: string, start: number, end: number): SpmNormalized {
    const spec = this.spec;
    const out = this.out;
    out.length = 0;
    const removeExtra = spec.removeExtraWhitespaces;
    let pos = start;
    if (removeExtra) {
      while (pos < end) {
        this.prefix(text, pos, end);
        const isSpace = this.prefixSame
          ? this.prefixLength === 1 && text.charCodeAt(pos) === 0x20
          : this.prefixText === ' ';
        if (!isSpace) break;
        pos += this.prefixLength;
      }
    }
    if (pos >= end) return { text: '', map: Int32Array.of(pos) };
    let consumed = pos;
    const ws = spec.escapeWhitespaces ? SPACE_SYMBOL : 0x20;
    if (!this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out.push(ws, consumed);
    let prevSpace = removeExtra;
    while (pos < end) {
      this.prefix(text, pos, end);
      const len = this.prefixLength;
      const src = this.prefixSame ? text : this.prefixText;
      let a = this.prefixSame ? pos : 0;
      const b = this.prefixSame ? pos + len : this.prefixText.length;
      if (prevSpace) while (a < b && src.charCodeAt(a) === 0x20) a++;
      if (a < b) {
        for (let i = a; i < b; i++) {
          const u = src.charCodeAt(i);
          out.push(u === 0x20 && spec.escapeWhitespaces ? SPACE_SYMBOL : u, consumed);
        }
        prevSpace = src.charCodeAt(b - 1) === 0x20;
      }
      consumed += len;
      pos += len;
      if (!removeExtra) prevSpace = false;
    }
    if (removeExtra) {
      while (out.length > 0 && out.units[out.length - 1] === ws) {
        out.length--;
        consumed = out.a[out.length];
      }
    }
    if (this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out.push(ws, consumed);
    const map = new Int32Array(out.length + 1);
    map.set(out.a.subarray(0, out.length));
    map[out.length] = consumed;
    return { text: out.toString(), map };
  }
}
