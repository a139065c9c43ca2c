/**
 * GPT-2's reversible byte <-> printable character table: printable Latin-1 bytes map to themselves, the
 * other 68 bytes to U+0100 onwards in byte order (so space is `Ġ`, U+0120).
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = new Array<string>(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCharCode(printable ? b : next++);
  }
  return out;
})();

/** Inverse of {@link BYTE_TO_CHAR}, indexed by UTF-16 unit; -1 for characters outside the table. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const out = new Int16Array(0x144).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => {
    out[c.charCodeAt(0)] = b;
  });
  return out;
})();

/** Byte-level decoding: byte characters back to bytes, then UTF-8 with U+FFFD for invalid sequences. */
export function byteLevelDecode(tokens: readonly string[]): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (const t of tokens) {
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) {
        ok = false;
        break;
      }
    }
    // A token with a character outside the table (an added token) contributes its own UTF-8 bytes.
    if (ok) for (let i = 0; i < t.length; i++) bytes.push(CHAR_TO_BYTE[t.charCodeAt(i)]);
    else for (const b of enc.encode(t)) bytes.push(b);
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes));
}
