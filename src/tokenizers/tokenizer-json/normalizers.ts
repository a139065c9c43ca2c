import { TokenizerError } from '../../errors.js';
import type { Charsmap } from '../sentencepiece/charsmap.js';
import { graphemeEnd } from '../text/graphemes.js';
import { EditScript, NormString } from '../text/normalized-string.js';
import { isWhiteSpace, utf8RangeLength } from '../text/unicode.js';
import { Utf16Builder } from '../text/utf16-builder.js';

/** A tokenizer.json normalizer: rewrites a {@link NormString}, keeping alignments as Rust does. */
export interface Normalizer {
  normalize(ns: NormString): NormString;
}

/** `Sequence`: each normalizer in turn. */
export class SequenceNormalizer implements Normalizer {
  constructor(private readonly steps: readonly Normalizer[]) {}
  normalize(ns: NormString): NormString {
    for (const s of this.steps) ns = s.normalize(ns);
    return ns;
  }
}

/** `Strip`: drops leading and/or trailing `White_Space`. */
export class StripNormalizer implements Normalizer {
  constructor(
    private readonly left: boolean,
    private readonly right: boolean,
  ) {}
  normalize(ns: NormString): NormString {
    const t = ns.text;
    let a = 0;
    let b = t.length;
    if (this.left) {
      while (a < b) {
        const cp = t.codePointAt(a) as number;
        if (!isWhiteSpace(cp)) break;
        a += cp > 0xffff ? 2 : 1;
      }
    }
    if (this.right) {
      while (b > a && isWhiteSpace(t.charCodeAt(b - 1))) b--;
    }
    return a === 0 && b === t.length ? ns : ns.slice(a, b);
  }
}

/**
 * `Precompiled`: the sentencepiece charsmap applied the Rust way: per extended grapheme cluster; a cluster
 * under 6 UTF-8 bytes that has a mapping for some prefix is replaced whole by the mapping of its shortest
 * mapped prefix, otherwise each character is mapped on its own.
 */
export class PrecompiledNormalizer implements Normalizer {
  private readonly script = new EditScript();
  /** Per-BMP-code-point cache of the single-character mapping: -2 unknown, -1 none, else a blob offset. */
  private readonly bmp = new Int32Array(0x10000).fill(-2);
  private readonly astral = new Map<number, number>();

  constructor(private readonly charsmap: Charsmap) {}

  private single(text: string, i: number, cp: number, len: number): number {
    if (cp < 0x10000) {
      let v = this.bmp[cp];
      if (v === -2) this.bmp[cp] = v = this.charsmap.shortestMatch(text, i, i + len) ? this.charsmap.matchValue : -1;
      return v;
    }
    let v = this.astral.get(cp);
    if (v === undefined) {
      v = this.charsmap.shortestMatch(text, i, i + len) ? this.charsmap.matchValue : -1;
      this.astral.set(cp, v);
    }
    return v;
  }

  normalize(ns: NormString): NormString {
    if (this.charsmap.empty) return ns;
    const text = ns.text;
    const n = text.length;
    const script = this.script;
    script.length = 0;
    let modified = false;
    let i = 0;
    while (i < n) {
      const g = graphemeEnd(text, i, n);
      const first = text.codePointAt(i) as number;
      const firstLen = first > 0xffff ? 2 : 1;
      if (i + firstLen < g && utf8RangeLength(text, i, g) < 6 && this.charsmap.shortestMatch(text, i, g)) {
        script.replace(countCodePoints(text, i, g), this.charsmap.replacement(this.charsmap.matchValue));
        modified = true;
        i = g;
        continue;
      }
      while (i < g) {
        const cp = text.codePointAt(i) as number;
        const len = cp > 0xffff ? 2 : 1;
        const v = this.single(text, i, cp, len);
        if (v >= 0) {
          script.replace(1, this.charsmap.replacement(v));
          modified = true;
        } else script.push(cp, 0);
        i += len;
      }
    }
    return modified ? ns.transform(script, 0) : ns;
  }
}

/** `Replace`: every match of a pattern becomes `content`; inserted chars align with the match's last char. */
export class ReplaceNormalizer implements Normalizer {
  private readonly regex: RegExp;
  private readonly out = new Utf16Builder();

  constructor(
    pattern: { String: string } | { Regex: string },
    private readonly content: string,
  ) {
    if ('String' in pattern) {
      this.regex = new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'gu');
    } else {
      try {
        this.regex = new RegExp(pattern.Regex, 'gu');
      } catch (e) {
        throw new TokenizerError(`Replace pattern ${JSON.stringify(pattern.Regex)} is not a valid regex: ${(e as Error).message}`);
      }
    }
  }

  normalize(ns: NormString): NormString {
    const text = ns.text;
    const re = this.regex;
    re.lastIndex = 0;
    let m = re.exec(text);
    if (!m) return ns;
    const out = this.out;
    out.length = 0;
    let prev = 0;
    while (m) {
      const s = m.index;
      const e = s + m[0].length;
      for (let i = prev; i < s; i++) out.push(text.charCodeAt(i), ns.starts[i], ns.ends[i]);
      // Rust inserts the content with change 1 after skipping the match, so it takes the alignment of
      // the match's last char (or of whatever precedes an empty match).
      let a = ns.base;
      let b = ns.base;
      if (e > s) {
        a = ns.starts[e - 1];
        b = ns.ends[e - 1];
      } else if (out.length > 0) {
        a = out.a[out.length - 1];
        b = out.b[out.length - 1];
      }
      out.pushString(this.content, a, b);
      prev = e;
      if (e === s) re.lastIndex = s + ((text.codePointAt(s) ?? 0) > 0xffff ? 2 : 1);
      m = re.exec(text);
    }
    for (let i = prev; i < text.length; i++) out.push(text.charCodeAt(i), ns.starts[i], ns.ends[i]);
    return new NormString(out.toString(), out.a.slice(0, out.length), out.b.slice(0, out.length), ns.base);
  }
}

/** `Lowercase`: Rust `char::to_lowercase` per character (no context rules). */
export class LowercaseNormalizer implements Normalizer {
  normalize(ns: NormString): NormString {
    const text = ns.text;
    if (text.toLowerCase() === text) return ns;
    const script = new EditScript();
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) as number;
      const len = cp > 0xffff ? 2 : 1;
      const lower = String.fromCodePoint(cp).toLowerCase();
      let k = 0;
      for (let j = 0; j < lower.length; ) {
        const lc = lower.codePointAt(j) as number;
        script.push(lc, k++ === 0 ? 0 : 1);
        j += lc > 0xffff ? 2 : 1;
      }
      i += len;
    }
    return ns.transform(script, 0);
  }
}

/**
 * `NFC` / `NFD` / `NFKC` / `NFKD` via `String.prototype.normalize`. The text is cut before each ASCII
 * character (ASCII never composes with what precedes it), so every chunk normalizes exactly as inside the
 * whole string. A chunk that changes is edited per grapheme cluster when that gives the same text, else as
 * a whole; the text always equals Rust's, but offsets inside a changed cluster are attributed like the
 * Precompiled normalizer's, which can differ from Rust's per-character attribution.
 */
export class UnicodeNormalizer implements Normalizer {
  constructor(private readonly form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD') {}
  normalize(ns: NormString): NormString {
    const text = ns.text;
    if (text.normalize(this.form) === text) return ns;
    const script = new EditScript();
    let i = 0;
    while (i < text.length) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) >= 0x80) j++;
      const chunk = text.slice(i, j);
      const normalized = chunk.normalize(this.form);
      if (normalized === chunk) {
        for (let k = i; k < j; ) {
          const cp = text.codePointAt(k) as number;
          script.push(cp, 0);
          k += cp > 0xffff ? 2 : 1;
        }
      } else {
        const clusters: Array<[number, number, string]> = [];
        for (let k = i; k < j; ) {
          const g = graphemeEnd(text, k, j);
          clusters.push([k, g, text.slice(k, g).normalize(this.form)]);
          k = g;
        }
        if (clusters.map((c) => c[2]).join('') === normalized) {
          for (const [a, b, n] of clusters) script.replace(countCodePoints(text, a, b), n);
        } else script.replace(countCodePoints(text, i, j), normalized);
      }
      i = j;
    }
    return ns.transform(script, 0);
  }
}

/** Normalizes a plain string (for added-token patterns), discarding alignments. */
export function normalizeString(normalizer: Normalizer | null, s: string): string {
  return normalizer ? normalizer.normalize(NormString.fromOriginal(s, 0, s.length)).text : s;
}

function countCodePoints(text: string, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < e) i++;
    n++;
  }
  return n;
}
