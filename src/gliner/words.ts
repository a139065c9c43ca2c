/**
 * GLiNER's `WhitespaceTokenSplitter`: `re.compile(r"\w+(?:[-_]\w+)*|\S")` with Python's `re` on str, where
 * `\w` is a letter, a number or "_" (str.isalnum() or "_", so combining marks are not word characters) and
 * `\S` is any character that is not whitespace in Python's sense (str.isspace()).
 */

/** One word of a text: its characters and where it lies in the JS string. */
export interface Word {
  readonly text: string;
  /** Offset of the first character, in UTF-16 units. */
  readonly start: number;
  /** Offset after the last character, in UTF-16 units. */
  readonly end: number;
}

// Python's str.isspace(): Unicode White_Space plus the separators \x1c-\x1f (bidi classes B, S, WS).
const SPACE = '\\s\\x1c-\\x1f\\x85';
const WORD_CHAR = '[\\p{L}\\p{N}_]';
const WORD = new RegExp(`${WORD_CHAR}+(?:[-_]${WORD_CHAR}+)*|[^${SPACE}]`, 'gu');

/** Splits `text` into GLiNER's words, with UTF-16 offsets. */
export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    words.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return words;
}
