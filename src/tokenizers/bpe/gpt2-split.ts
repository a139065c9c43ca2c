import { WHITE_SPACE_CLASS } from '../text/unicode.js';

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
