import { Utf16Builder } from './utf16-builder.js';

/**
 * Growable list of `(code point, change)` pairs: the edit script format of Rust's
 * `NormalizedString::transform` (change 0 = replaces the next original char, 1 = inserted, -n = replaces
 * the next char and deletes n more).
 */
export class EditScript {
  cps = new Int32Array(256);
  changes = new Int32Array(256);
  length = 0;

  push(cp: number, change: number): void {
    if (this.length === this.cps.length) {
      const cps = new Int32Array(this.length * 2);
      cps.set(this.cps);
      const ch = new Int32Array(this.length * 2);
      ch.set(this.changes);
      this.cps = cps;
      this.changes = ch;
    }
    this.cps[this.length] = cp;
    this.changes[this.length++] = change;
  }

  /** Rust `replace()` of the Precompiled normalizer: `oldCount` chars become the chars of `text`. */
  replace(oldCount: number, text: string): void {
    let added = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      this.push(cp, 0);
      added++;
    }
    const diff = added - oldCount;
    if (diff > 0) {
      for (let k = this.length - diff; k < this.length; k++) this.changes[k] = 1;
    } else if (diff < 0 && this.length > 0) {
      // Deletions are charged to the previous entry, even one from an earlier cluster (as Rust does).
      this.changes[this.length - 1] += diff;
    }
  }
}

/**
 * A normalized string with, for every UTF-16 unit, the [start, end) span of the original text it came from
 * (absolute offsets into the user's string). This mirrors Rust's `NormalizedString`, whose alignments are
 * per byte but always uniform within a character, so per-unit storage gives the same offsets.
 */
export class NormString {
  constructor(
    readonly text: string,
    readonly starts: Int32Array,
    readonly ends: Int32Array,
    /** Absolute start of the original piece this string was cut from (Rust's `original_shift`). */
    readonly base: number,
  ) {}

  /** An unnormalized piece `text[start..end)` of the user's string. */
  static fromOriginal(text: string, start: number, end: number): NormString {
    const n = end - start;
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(start + i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = text.charCodeAt(start + i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          starts[i] = starts[i + 1] = start + i;
          ends[i] = ends[i + 1] = start + i + 2;
          i++;
          continue;
        }
      }
      starts[i] = start + i;
      ends[i] = start + i + 1;
    }
    return new NormString(start === 0 && end === text.length ? text : text.slice(start, end), starts, ends, start);
  }

  get length(): number {
    return this.text.length;
  }

  /** A sub-range, keeping alignments (Rust `slice`). */
  slice(start: number, end: number): NormString {
    return new NormString(
      this.text.slice(start, end),
      this.starts.subarray(start, end),
      this.ends.subarray(start, end),
      end > start ? this.starts[start] : this.base,
    );
  }

  private charLen(i: number): number {
    const c = this.text.charCodeAt(i);
    return c >= 0xd800 && c < 0xdc00 && i + 1 < this.text.length ? 2 : 1;
  }

  /**
   * Rust `NormalizedString::transform` over the whole string: walks the edit script with a cursor over the
   * old string, giving each new char the alignment of the char it replaces (or, when inserted, of the char
   * before the cursor). Reproduces Rust's offsets exactly, including its quirks.
   */
  transform(script: EditScript, initialOffset: number, out = new Utf16Builder()): NormString {
    out.length = 0;
    const n = this.text.length;
    let ptr = 0;
    for (let k = 0; k < initialOffset && ptr < n; k++) ptr += this.charLen(ptr);
    for (let e = 0; e < script.length; e++) {
      const cp = script.cps[e];
      const change = script.changes[e];
      let a: number;
      let b: number;
      if (change > 0) {
        if (ptr >= 1) {
          a = this.starts[ptr - 1];
          b = this.ends[ptr - 1];
        } else a = b = this.base;
      } else {
        if (ptr < n) {
          a = this.starts[ptr];
          b = this.ends[ptr];
          ptr += this.charLen(ptr);
        } else a = b = n > 0 ? this.ends[n - 1] : this.base;
        for (let k = 0; k < -change && ptr < n; k++) ptr += this.charLen(ptr);
      }
      if (cp > 0xffff) {
        out.push(0xd800 + ((cp - 0x10000) >> 10), a, b);
        out.push(0xdc00 + ((cp - 0x10000) & 0x3ff), a, b);
      } else out.push(cp, a, b);
    }
    return new NormString(out.toString(), out.a.slice(0, out.length), out.b.slice(0, out.length), this.base);
  }

  /** Original [start, end) of normalized units [s, e) (Rust `convert_offsets`). */
  originalStart(s: number): number {
    return this.starts[s];
  }

  originalEnd(e: number): number {
    return this.ends[e - 1];
  }
}
