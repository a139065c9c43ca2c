import { PieceType } from './spm-model.js';

const SPACE_SYMBOL = '\u2581';
/** sentencepiece's default surface for `<unk>`: " ⁇ ". */
const UNK_SURFACE = ' \u2047 ';

/** What sentencepiece's decoder needs to know about the model. */
export interface SpmDecodeModel {
  pieceType(id: number): number;
  /** The piece string of an id. */
  piece(id: number): string;
  /** The byte value of a BYTE piece. */
  byteOf(id: number): number;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
}

/**
 * sentencepiece `Decode` (0.1.9x): control pieces vanish, unknown pieces print " ⁇ " (or the text of an
 * unknown piece string), runs of byte pieces are reassembled as UTF-8 with U+FFFD per invalid byte, `▁`
 * becomes a space, and leading `▁` are dropped until the first piece that produces text.
 * `ids[i]` is the id of `pieces[i]` (`PieceToId`, the unknown id for strings not in the vocabulary).
 */
export function spmDecode(model: SpmDecodeModel, pieces: readonly string[], ids: readonly number[]): string {
  const surfaces: string[] = new Array<string>(pieces.length).fill('');
  let bosWs = true;
  let byteStart = 0;
  const flushBytes = (end: number): void => {
    if (byteStart >= end) return;
    // Text produced by byte pieces ends the leading-whitespace zone like any other text.
    bosWs = false;
    const bytes = new Uint8Array(end - byteStart);
    for (let i = byteStart; i < end; i++) bytes[i - byteStart] = model.byteOf(ids[i]);
    let off = 0;
    while (off < bytes.length) {
      const n = validUtf8Length(bytes, off);
      if (n === 0) {
        surfaces[byteStart + off] = '\ufffd';
        off += 1;
      } else {
        // The last byte piece of a character carries its text; the others are empty.
        surfaces[byteStart + off + n - 1] = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(off, off + n));
        off += n;
      }
    }
  };
  for (let i = 0; i < pieces.length; i++) {
    const id = ids[i];
    const type = model.pieceType(id);
    if (type === PieceType.Byte) continue;
    flushBytes(i);
    byteStart = i + 1;
    let surface: string;
    let consumedBosWs = false;
    if (type === PieceType.Control) surface = '';
    else if (type === PieceType.Unknown) surface = model.piece(id) === pieces[i] ? UNK_SURFACE : pieces[i];
    else {
      let piece = pieces[i];
      if (bosWs && (model.addDummyPrefix || model.removeExtraWhitespaces)) {
        if (piece.startsWith(SPACE_SYMBOL)) {
          piece = piece.slice(1);
          // With remove_extra_whitespaces every leading space is dropped, so keep looking.
          consumedBosWs = !model.removeExtraWhitespaces;
        }
      }
      surface = piece.split(SPACE_SYMBOL).join(' ');
    }
    surfaces[i] = surface;
    if (bosWs && (surface.length > 0 || consumedBosWs)) bosWs = false;
  }
  flushBytes(pieces.length);
  return surfaces.join('');
}

/** Length of the valid UTF-8 sequence at `off` (sentencepiece's `IsValidDecodeUTF8`), 0 if invalid. */
function validUtf8Length(b: Uint8Array, off: number): number {
  const c = b[off];
  if (c < 0x80) return 1;
  const rest = b.length - off;
  const cont = (k: number): boolean => k < rest && (b[off + k] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const cp = ((c & 0x0f) << 12) | ((b[off + 1] & 0x3f) << 6) | (b[off + 2] & 0x3f);
    return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const cp = ((c & 0x07) << 18) | ((b[off + 1] & 0x3f) << 12) | ((b[off + 2] & 0x3f) << 6) | (b[off + 3] & 0x3f);
    return cp < 0x10000 || cp > 0x10ffff ? 0 : 4;
  }
  return 0;
}
