import { TokenizerError } from '../../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * sentencepiece's `precompiled_charsmap`: a Darts-clone double-array trie over UTF-8 bytes whose values are
 * offsets into a blob of NUL-terminated replacement strings. Layout: `u32le trieBytes`, the trie units,
 * then the blob.
 *
 * The walking methods take JS strings and feed the UTF-8 bytes of each code point to the trie on the fly,
 * so no byte buffer is built per call. Matches are only reported at code point boundaries: keys are
 * whole UTF-8 strings, so a key that ended inside a character could never match well-formed text anyway.
 */
export class Charsmap {
  private readonly units: Uint32Array;
  private readonly blob: Uint8Array;
  private readonly replacements = new Map<number, string>();
  /** Trie position after the root, or -1 for an empty charsmap (identity normalization). */
  private readonly root: number;
  /** Set by `step`: the value of the leaf reached, or -1. */
  private leaf = -1;
  /** Results of `longestMatch` / `shortestMatch`. */
  matchEnd = 0;
  matchValue = -1;

  constructor(data: Uint8Array) {
    if (data.length === 0) {
      this.units = new Uint32Array(0);
      this.blob = new Uint8Array(0);
      this.root = -1;
      return;
    }
    if (data.length < 4) throw new TokenizerError('precompiled_charsmap is shorter than its 4-byte header');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || trieBytes === 0 || 4 + trieBytes > data.length) {
      throw new TokenizerError(`precompiled_charsmap trie size ${trieBytes} does not fit its ${data.length} bytes`);
    }
    // Copy through DataView: the trie starts at byte 4 of an arbitrary buffer and is little-endian.
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.blob = data.slice(4 + trieBytes);
    try {
      utf8.decode(this.blob);
    } catch {
      throw new TokenizerError('precompiled_charsmap replacement strings are not valid UTF-8');
    }
    this.root = offsetOf(this.units[0]);
  }

  /** Whether the charsmap normalizes anything at all. */
  get empty(): boolean {
    return this.root < 0;
  }

  /** The replacement string stored at `value`. */
  replacement(value: number): string {
    let s = this.replacements.get(value);
    if (s === undefined) {
      if (value < 0 || value >= this.blob.length) {
        throw new TokenizerError(`precompiled_charsmap value ${value} points outside its ${this.blob.length}-byte blob`);
      }
      let end = value;
      while (end < this.blob.length && this.blob[end] !== 0) end++;
      s = utf8.decode(this.blob.subarray(value, end));
      this.replacements.set(value, s);
    }
    return s;
  }

  /** One Darts transition; returns the next position or -1 and sets `leaf`. */
  private step(pos: number, byte: number): number {
    const units = this.units;
    pos ^= byte;
    if (pos >= units.length) return -1;
    const unit = units[pos];
    // label(): the low byte plus bit 31, which is set on leaf units so they never match a label.
    if ((unit & 0x800000ff) !== byte) return -1;
    pos ^= offsetOf(unit);
    this.leaf = (unit >>> 8) & 1 && pos < units.length ? units[pos] & 0x7fffffff : -1;
    return pos;
  }

  /** Feeds the UTF-8 bytes of code point `cp`; returns the next position or -1; `leaf` tells a key ended. */
  private stepCodePoint(pos: number, cp: number): number {
    if (cp < 0x80) return this.step(pos, cp);
    if (cp < 0x800) {
      pos = this.step(pos, 0xc0 | (cp >> 6));
      return pos < 0 ? -1 : this.step(pos, 0x80 | (cp & 0x3f));
    }
    if (cp < 0x10000) {
      pos = this.step(pos, 0xe0 | (cp >> 12));
      if (pos >= 0) pos = this.step(pos, 0x80 | ((cp >> 6) & 0x3f));
      return pos < 0 ? -1 : this.step(pos, 0x80 | (cp & 0x3f));
    }
    pos = this.step(pos, 0xf0 | (cp >> 18));
    if (pos >= 0) pos = this.step(pos, 0x80 | ((cp >> 12) & 0x3f));
    if (pos >= 0) pos = this.step(pos, 0x80 | ((cp >> 6) & 0x3f));
    return pos < 0 ? -1 : this.step(pos, 0x80 | (cp & 0x3f));
  }

  /**
   * sentencepiece's rule: the longest key that is a prefix of `text[start..end)`. On success sets
   * `matchEnd` (UTF-16 index) and `matchValue` and returns true.
   */
  longestMatch(text: string, start: number, end: number): boolean {
    if (this.root < 0) return false;
    let pos = this.root;
    let i = start;
    let found = false;
    while (i < end) {
      let cp = text.charCodeAt(i++);
      if (cp >= 0xd800 && cp < 0xdc00 && i < end) cp = ((cp - 0xd800) << 10) + (text.charCodeAt(i++) - 0xdc00) + 0x10000;
      pos = this.stepCodePoint(pos, cp);
      if (pos < 0) break;
      if (this.leaf >= 0) {
        found = true;
        this.matchEnd = i;
        this.matchValue = this.leaf;
      }
    }
    return found;
  }

  /**
   * The Rust `tokenizers` rule (`Precompiled::transform`): the first, i.e. shortest, key that is a prefix of
   * `text[start..end)`. Sets `matchEnd` and `matchValue` and returns true when there is one.
   */
  shortestMatch(text: string, start: number, end: number): boolean {
    if (this.root < 0) return false;
    let pos = this.root;
    let i = start;
    while (i < end) {
      let cp = text.charCodeAt(i++);
      if (cp >= 0xd800 && cp < 0xdc00 && i < end) cp = ((cp - 0xd800) << 10) + (text.charCodeAt(i++) - 0xdc00) + 0x10000;
      pos = this.stepCodePoint(pos, cp);
      if (pos < 0) return false;
      if (this.leaf >= 0) {
        this.matchEnd = i;
        this.matchValue = this.leaf;
        return true;
      }
    }
    return false;
  }
}

/** Darts-clone `offset()`: bits 10.. shifted by 8 more when bit 9 is set. */
function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & 0x200) >>> 6);
}
