/** Seeded random text for differential tests: many scripts, emoji sequences, marks, controls, specials. */

import { rng } from '../helpers/random.js';

export { rng };

const RANGES: Array<[number, number]> = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0xff], // Latin-1
  [0x100, 0x24f], // Latin Extended
  [0x250, 0x2af], // IPA
  [0x2b0, 0x2ff], // modifier letters
  [0x370, 0x3ff], // Greek
  [0x400, 0x4ff], // Cyrillic
  [0x530, 0x58f], // Armenian
  [0x590, 0x5ff], // Hebrew
  [0x600, 0x6ff], // Arabic
  [0x900, 0x97f], // Devanagari
  [0x980, 0x9ff], // Bengali
  [0xe00, 0xe7f], // Thai
  [0xe80, 0xeff], // Lao
  [0xf00, 0xfff], // Tibetan
  [0x10a0, 0x10ff], // Georgian
  [0x1100, 0x11ff], // Hangul jamo
  [0x1200, 0x137f], // Ethiopic
  [0x13a0, 0x13ff], // Cherokee
  [0x1e00, 0x1eff], // Latin Extended Additional
  [0x1f00, 0x1fff], // Greek Extended
  [0x2000, 0x206f], // General Punctuation (spaces, ZW*, bidi)
  [0x2070, 0x209f], // super/subscripts
  [0x20a0, 0x20cf], // currency
  [0x2100, 0x218f], // letterlike, number forms
  [0x2460, 0x24ff], // enclosed alphanumerics
  [0x2500, 0x27bf], // box drawing, dingbats
  [0x3000, 0x30ff], // CJK punctuation, kana
  [0x3130, 0x318f], // compatibility jamo
  [0x3200, 0x33ff], // enclosed CJK, compatibility
  [0x4e00, 0x9fff], // CJK
  [0xa960, 0xa97f], // Hangul jamo extended
  [0xac00, 0xd7a3], // Hangul syllables
  [0xd7b0, 0xd7ff], // jamo extended B
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfb00, 0xfb4f], // ligatures
  [0xfe00, 0xfe0f], // variation selectors
  [0xfe30, 0xfe6f], // CJK compat forms, small forms
  [0xff00, 0xffef], // half/full width
  [0x10000, 0x1007f], // Linear B
  [0x1d400, 0x1d7ff], // math alphanumerics
  [0x1f100, 0x1f1ff], // enclosed alphanumeric supplement, regional indicators
  [0x1f300, 0x1faff], // emoji
  [0x20000, 0x2a6df], // CJK extension B
  [0xe0000, 0xe007f], // tags
];

const MARKS: Array<[number, number]> = [
  [0x300, 0x36f],
  [0x483, 0x489],
  [0x591, 0x5bd],
  [0x64b, 0x65f],
  [0x93c, 0x94d],
  [0xe31, 0xe3a],
  [0x1ab0, 0x1aff],
  [0x20d0, 0x20f0],
  [0x3099, 0x309a],
  [0xfe20, 0xfe2f],
];

const SPACES = [' ', ' ', ' ', '  ', '   ', '\t', '\n', '\r\n', '\r', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2002', '\u2003', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u200b', '\ufeff', '\u180e'];
const CONTROLS = ['\u0000', '\u0001', '\u0007', '\u0008', '\u001b', '\u001f', '\u007f', '\u0080', '\u008f', '\u009f', '\u00ad', '\u200c', '\u200d', '\u200e', '\u202a', '\u2066', '\ufffd', '\u2581', '\ufff9'];
const SPECIALS = ['[CLS]', '[SEP]', '[MASK]', '[UNK]', '[PAD]', ' [MASK] ', '[MASK][MASK]', '［UNK］', '[mask]', '[CLS', '<0x41>', '<0xE2>', '<unk>', '<s>'];
const EMOJI = ['👨‍👩‍👧‍👦', '🧑🏽‍💻', '👍🏿', '🏳️‍🌈', '🇫🇷', '🇯🇵🇺🇸', '1️⃣', '#️⃣', '#⃣', '❤️', '☺︎', '©️', '©‍©', '🫠🫡', '😀', '🤝', '👩‍❤️‍💋‍👨'];
const WORDS = ['Hello', 'world', 'the', "don't", "it's", 'café', 'naïve', 'Straße', 'ﬁnance', '½', 'ＡＢＣ', 'ｶﾞ', 'ﾊﾟ', '한국어', '日本語', 'русский', 'ελληνικά', 'עברית', 'العربية', 'हिन्दी', 'ไทย', 'https://example.com/a?b=1', 'x_y', '3.14', '1,000', '$5', '…', '—', '“quoted”', 'e\u0301', 'A\u030a', 'Ａ\u0301', 'ᄀ\u1161\u11a8', 'n\u0303\u0303'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

function fromRanges(r: () => number, ranges: ReadonlyArray<[number, number]>): string {
  const [a, b] = pick(r, ranges);
  return String.fromCodePoint(a + Math.floor(r() * (b - a + 1)));
}

/** One random string of roughly `maxParts` pieces. */
export function randomText(r: () => number, maxParts = 12): string {
  const parts: string[] = [];
  const n = Math.floor(r() * maxParts);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.22) parts.push(pick(r, WORDS));
    else if (k < 0.45) {
      const len = 1 + Math.floor(r() * 6);
      let s = '';
      for (let j = 0; j < len; j++) s += fromRanges(r, RANGES);
      parts.push(s);
    } else if (k < 0.58) parts.push(pick(r, SPACES));
    else if (k < 0.66) parts.push(fromRanges(r, MARKS));
    else if (k < 0.73) parts.push(pick(r, CONTROLS));
    else if (k < 0.8) parts.push(pick(r, SPECIALS));
    else if (k < 0.87) parts.push(pick(r, EMOJI));
    else if (k < 0.9) parts.push(r() < 0.5 ? '\ud83d' : '\ude00'); // lone surrogates
    else if (k < 0.95) parts.push(String.fromCharCode(0x20 + Math.floor(r() * 95)).repeat(1 + Math.floor(r() * 4)));
    else parts.push(String.fromCodePoint(Math.floor(r() * 0x30000)).replace(/[\ud800-\udfff]/g, 'x'));
  }
  return parts.join(r() < 0.5 ? '' : ' ');
}
