import { isWhiteSpace } from './text/unicode.js';

/** One added token, as in tokenizer.json `added_tokens` or transformers' `AddedToken`. */
export interface AddedToken {
  id: number;
  content: string;
  /** Swallow the whitespace before the token. */
  lstrip: boolean;
  /** Swallow the whitespace after the token. */
  rstrip: boolean;
  /** Only match when not inside a word. */
  singleWord: boolean;
  /** Match against normalized text (true) or the raw input (false). */
  normalized: boolean;
  special: boolean;
}

/** Fills defaults for an added token. */
export function addedToken(id: number, content: string, flags: Partial<AddedToken> = {}): AddedToken {
  return {
    id,
    content,
    lstrip: flags.lstrip ?? false,
    rstrip: flags.rstrip ?? false,
    singleWord: flags.singleWord ?? false,
    normalized: flags.normalized ?? false,
    special: flags.special ?? true,
  };
}

/** Receives the pieces of a split: `token` is null for plain text between tokens. */
export type SplitCallback = (start: number, end: number, token: AddedToken | null) => void;

const wordChar = /[\p{L}\p{N}\p{M}\p{Pc}]/u;

/**
 * Finds added tokens in text with leftmost-longest semantics (the Aho-Corasick `LeftmostLongest` the Rust
 * library uses and the trie split of transformers' slow tokenizers), applying lstrip / rstrip / single_word.
 * `isSpace` decides what lstrip/rstrip swallow: `char::is_whitespace` in Rust, `str.isspace` in Python.
 */
export class AddedTokenMatcher {
  private readonly byFirstUnit = new Map<number, AddedToken[]>();
  /** 1 for code units that start some pattern: a cheap filter before the map lookup. */
  private readonly firstUnits = new Uint8Array(0x10000);
  private readonly patterns = new Map<AddedToken, string>();

  /**
   * @param patternOf the string to search for each token (its content, or its normalized content for
   *   tokens matched after normalization).
   */
  constructor(
    readonly tokens: readonly AddedToken[],
    private readonly isSpace: (cp: number) => boolean = isWhiteSpace,
    patternOf: (t: AddedToken) => string = (t) => t.content,
  ) {
    for (const t of tokens) {
      const p = patternOf(t);
      if (p.length === 0) continue;
      this.patterns.set(t, p);
      const list = this.byFirstUnit.get(p.charCodeAt(0)) ?? [];
      list.push(t);
      this.byFirstUnit.set(p.charCodeAt(0), list);
      this.firstUnits[p.charCodeAt(0)] = 1;
    }
    for (const list of this.byFirstUnit.values()) {
      list.sort((x, y) => (this.patterns.get(y) ?? '').length - (this.patterns.get(x) ?? '').length);
    }
  }

  get empty(): boolean {
    return this.patterns.size === 0;
  }

  /** Calls `onPiece` for each piece of `text[start..end)` in order; plain pieces may be empty-free. */
  split(text: string, start: number, end: number, onPiece: SplitCallback): void {
    let last = start;
    let i = start;
    if (this.patterns.size === 0) {
      if (start < end) onPiece(start, end, null);
      return;
    }
    const first = this.firstUnits;
    while (i < end) {
      if (first[text.charCodeAt(i)] === 0) {
        i++;
        continue;
      }
      const list = this.byFirstUnit.get(text.charCodeAt(i));
      let hit: AddedToken | null = null;
      let hitLen = 0;
      if (list) {
        for (const t of list) {
          const p = this.patterns.get(t) as string;
          if (i + p.length <= end && text.startsWith(p, i)) {
            hit = t;
            hitLen = p.length;
            break;
          }
        }
      }
      if (!hit) {
        i++;
        continue;
      }
      let s = i;
      let e = i + hitLen;
      if (hit.singleWord && !this.isWordBoundary(text, start, end, s, e)) {
        // The matcher consumed this occurrence; scanning resumes after it.
        i = e;
        continue;
      }
      if (hit.lstrip) {
        while (s > last && this.isSpace(this.cpBefore(text, s))) s -= this.cpBefore(text, s) > 0xffff ? 2 : 1;
      }
      if (hit.rstrip) {
        while (e < end && this.isSpace(text.codePointAt(e) ?? 0)) e += (text.codePointAt(e) ?? 0) > 0xffff ? 2 : 1;
      }
      if (s > last) onPiece(last, s, null);
      onPiece(s, e, hit);
      last = i = e;
    }
    if (last < end) onPiece(last, end, null);
  }

  private cpBefore(text: string, i: number): number {
    const c = text.charCodeAt(i - 1);
    if (c >= 0xdc00 && c < 0xe000 && i >= 2) {
      const h = text.charCodeAt(i - 2);
      if (h >= 0xd800 && h < 0xdc00) return ((h - 0xd800) << 10) + (c - 0xdc00) + 0x10000;
    }
    return c;
  }

  private isWordBoundary(text: string, start: number, end: number, s: number, e: number): boolean {
    const before = s === start || !wordChar.test(String.fromCodePoint(this.cpBefore(text, s)));
    const after = e === end || !wordChar.test(String.fromCodePoint(text.codePointAt(e) ?? 0));
    return before && after;
  }
}
