/**
 * Extended grapheme cluster boundaries (UAX #29), needed because the Rust `Precompiled` normalizer maps each
 * cluster shorter than 6 UTF-8 bytes as one unit. The property data comes from the JS engine's own Unicode
 * tables (`\p{...}` regexes, evaluated once per distinct code point and cached), so no table ships with the
 * library. Rule GB9c (Indic conjuncts) is not applied: every cluster it would join is at least 9 bytes
 * long, so it cannot change how the normalizer treats it.
 */

const enum Gcb {
  Other,
  CR,
  LF,
  Control,
  Extend,
  ZWJ,
  RegionalIndicator,
  Prepend,
  SpacingMark,
  L,
  V,
  T,
  LV,
  LVT,
}

/** Set on a class value when the code point is Extended_Pictographic (rule GB11). */
const PICTO = 0x10;
const UNKNOWN = 0xff;

const reExtend = /[\p{Grapheme_Extend}\p{Emoji_Modifier}]/u;
const reControl = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\p{Cf}]|(?=\p{Cn})\p{Default_Ignorable_Code_Point}/u;
const reSpacingMark = /\p{Mc}/u;
const rePicto = /\p{Extended_Pictographic}/u;
const reRegional = /\p{Regional_Indicator}/u;

// Prepended_Concatenation_Mark and Indic_Syllabic_Category=Consonant_Preceding_Repha/Prefixed are not
// exposed to JS regexes; the lists are short and stable.
const PREPEND = new Set([
  0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6dd, 0x70f, 0x890, 0x891, 0x8e2, 0xd4e, 0x110bd, 0x110cd, 0x111c2,
  0x111c3, 0x113d1, 0x1193f, 0x11941, 0x11a3a, 0x11a84, 0x11a85, 0x11a86, 0x11a87, 0x11a88, 0x11a89, 0x11d46,
  0x11f02,
]);
// General_Category=Mc characters that UAX #29 leaves out of SpacingMark.
const NOT_SPACING = new Set([
  0x102b, 0x102c, 0x1038, 0x1062, 0x1063, 0x1064, 0x1067, 0x1068, 0x1069, 0x106a, 0x106b, 0x106c, 0x106d, 0x1083,
  0x1087, 0x1088, 0x1089, 0x108a, 0x108b, 0x108c, 0x108f, 0x109a, 0x109b, 0x109c, 0x1a61, 0x1a63, 0x1a64, 0xaa7b,
  0xaa7d, 0x11720, 0x11721,
]);

const bmpCache = new Uint8Array(0x10000).fill(UNKNOWN);
const astralCache = new Map<number, number>();

function classify(cp: number): number {
  if (cp === 0x0d) return Gcb.CR;
  if (cp === 0x0a) return Gcb.LF;
  if (cp === 0x200d) return Gcb.ZWJ;
  if (cp >= 0xac00 && cp <= 0xd7a3) return (cp - 0xac00) % 28 === 0 ? Gcb.LV : Gcb.LVT;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0xa960 && cp <= 0xa97c)) return Gcb.L;
  if ((cp >= 0x1160 && cp <= 0x11a7) || (cp >= 0xd7b0 && cp <= 0xd7c6)) return Gcb.V;
  if ((cp >= 0x11a8 && cp <= 0x11ff) || (cp >= 0xd7cb && cp <= 0xd7fb)) return Gcb.T;
  const ch = String.fromCodePoint(cp);
  const picto = rePicto.test(ch) ? PICTO : 0;
  if (reExtend.test(ch)) return Gcb.Extend | picto;
  if (PREPEND.has(cp)) return Gcb.Prepend;
  if (cp === 0x200c) return Gcb.Extend;
  if (reControl.test(ch)) return Gcb.Control;
  if (reRegional.test(ch)) return Gcb.RegionalIndicator;
  if (cp === 0x0e33 || cp === 0x0eb3 || (reSpacingMark.test(ch) && !NOT_SPACING.has(cp))) return Gcb.SpacingMark;
  return Gcb.Other | picto;
}

function gcb(cp: number): number {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f ? Gcb.Other : classify(cp);
  if (cp < 0x10000) {
    let v = bmpCache[cp];
    if (v === UNKNOWN) bmpCache[cp] = v = classify(cp);
    return v;
  }
  let v = astralCache.get(cp);
  if (v === undefined) astralCache.set(cp, (v = classify(cp)));
  return v;
}

/**
 * Returns the end (UTF-16 index) of the grapheme cluster starting at `start` in `text[..end)`.
 */
export function graphemeEnd(text: string, start: number, end: number): number {
  let cp = text.charCodeAt(start);
  let i = start + 1;
  if (cp >= 0xd800 && cp < 0xdc00 && i < end) {
    const lo = text.charCodeAt(i);
    if (lo >= 0xdc00 && lo < 0xe000) {
      cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
      i++;
    }
  }
  // Fast path: printable ASCII followed by printable ASCII always breaks.
  if (cp >= 0x20 && cp < 0x7f && i < end) {
    const next = text.charCodeAt(i);
    if (next >= 0x20 && next < 0x7f) return i;
  }
  let prev = gcb(cp);
  // GB11 state: 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ.
  let emoji = prev & PICTO ? 1 : 0;
  // GB12/13: count of consecutive regional indicators.
  let ri = (prev & 0xf) === Gcb.RegionalIndicator ? 1 : 0;
  while (i < end) {
    let c = text.charCodeAt(i);
    let len = 1;
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < end) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = ((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        len = 2;
      }
    }
    const cur = gcb(c);
    if (isBreak(prev & 0xf, cur & 0xf, emoji === 2 && (cur & PICTO) !== 0, ri)) break;
    // Advance the GB11 and RI states.
    const cls = cur & 0xf;
    if (cur & PICTO) emoji = 1;
    else if (emoji === 1 && cls === Gcb.ZWJ) emoji = 2;
    else if (!(emoji === 1 && cls === Gcb.Extend)) emoji = 0;
    ri = cls === Gcb.RegionalIndicator ? ri + 1 : 0;
    prev = cur;
    i += len;
  }
  return i;
}

function isBreak(prev: number, cur: number, gb11: boolean, ri: number): boolean {
  if (prev === Gcb.CR && cur === Gcb.LF) return false; // GB3
  if (prev === Gcb.CR || prev === Gcb.LF || prev === Gcb.Control) return true; // GB4
  if (cur === Gcb.CR || cur === Gcb.LF || cur === Gcb.Control) return true; // GB5
  if (prev === Gcb.L && (cur === Gcb.L || cur === Gcb.V || cur === Gcb.LV || cur === Gcb.LVT)) return false; // GB6
  if ((prev === Gcb.LV || prev === Gcb.V) && (cur === Gcb.V || cur === Gcb.T)) return false; // GB7
  if ((prev === Gcb.LVT || prev === Gcb.T) && cur === Gcb.T) return false; // GB8
  if (cur === Gcb.Extend || cur === Gcb.ZWJ || cur === Gcb.SpacingMark) return false; // GB9, GB9a
  if (prev === Gcb.Prepend) return false; // GB9b
  if (gb11) return false; // GB11
  if (prev === Gcb.RegionalIndicator && cur === Gcb.RegionalIndicator) return ri % 2 === 0; // GB12, GB13
  return true; // GB999
}
