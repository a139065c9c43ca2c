import { TokenizerError } from '../../errors.js';

// A browser-safe decoder: `atob` is not in every worker runtime and `Buffer` is Node-only.
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  DECODE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}
// URL-safe variants map to the same values.
DECODE[45] = 62; // '-'
DECODE[95] = 63; // '_'

/** Decodes standard or URL-safe base64; whitespace is ignored, padding is optional. */
export function decodeBase64(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61) {
      padding++;
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0 || padding > 0) {
      throw new TokenizerError(`invalid base64 character ${JSON.stringify(text[i])} at position ${i}`);
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  if (bits >= 6) throw new TokenizerError('invalid base64 length');
  return out.subarray(0, n);
}
