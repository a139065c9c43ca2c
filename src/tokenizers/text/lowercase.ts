/** Lowercased text plus, when lengths changed, a map from lowercased units back to input units. */
export interface Lowered {
  text: string;
  /** `map[i]` = input index of unit i (length text.length + 1), or null when the mapping is the identity. */
  map: Int32Array | null;
}

/**
 * Python's `str.lower()` (which, like JS, applies the Final_Sigma rule). When some character expands
 * (U+0130 becomes two units), lowercasing is redone per code point to keep an offset map; that per-char
 * pass cannot see Final_Sigma context, which only matters for Σ in such rare mixed texts.
 */
export function lowerWithMap(text: string, start: number, end: number): Lowered {
  const piece = text.slice(start, end);
  const lower = piece.toLowerCase();
  if (lower.length === piece.length) return { text: lower, map: null };
  let out = '';
  const map: number[] = [];
  for (let i = 0; i < piece.length; ) {
    const cp = piece.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    const l = String.fromCodePoint(cp).toLowerCase();
    out += l;
    for (let k = 0; k < l.length; k++) map.push(i);
    i += len;
  }
  map.push(piece.length);
  return { text: out, map: Int32Array.from(map) };
}
