/**
 * Character classes that must match Rust's and Python's definitions exactly. JS regex `\s` is not used
 * anywhere: it includes U+FEFF and excludes U+0085, unlike both references.
 */

/** Unicode `White_Space` (Rust `char::is_whitespace`, Python `regex` `\s`). */
export function isWhiteSpace(cp: number): boolean {
  if (cp <= 0x20) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  if (cp < 0x85) return false;
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Python `str.isspace` (used by `str.strip()` in transformers' slow tokenizers): White_Space plus U+001C-001F. */
export function isPythonSpace(cp: number): boolean {
  return isWhiteSpace(cp) || (cp >= 0x1c && cp <= 0x1f);
}

// Unicode punctuation plus every ASCII symbol: Rust's `is_ascii_punctuation() || is_punctuation()` and
// transformers' `_is_punctuation` both count `$`, `+`, `<`, `^`, `|` and the like, which are not `\p{P}`.
const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/u;

/** Punctuation as the `Punctuation` pre-tokenizer and transformers' `split_by_punct` see it. */
export function isPunctuation(cp: number): boolean {
  return PUNCTUATION.test(String.fromCodePoint(cp));
}

/** The regex source of a character class equal to {@link isWhiteSpace}, for use inside `[...]`. */
export const WHITE_SPACE_CLASS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Python `str.strip()`. */
export function pythonStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPythonSpace(s.charCodeAt(a))) a++;
  while (b > a && isPythonSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Replaces lone surrogates with U+FFFD, as `TextEncoder` and the Rust bindings do when they convert a JS
 * string to UTF-8. Each replacement is one UTF-16 unit, so offsets into the result are offsets into the
 * input.
 */
export function toWellFormed(s: string): string {
  const native = (s as { toWellFormed?: () => string }).toWellFormed;
  if (typeof native === 'function') return native.call(s);
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Number of UTF-8 bytes of code point `cp`. */
export function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Number of UTF-8 bytes of `text[start..end)`; a high surrogate counts as a whole 4-byte character. */
export function utf8RangeLength(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
