import { WeightsError } from '../errors.js';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

/**
 * Reads the entries of a zip archive whose entries are all stored (uncompressed), as `torch.save`
 * writes them. Each entry is returned as a view into `bytes`, never a copy.
 * Sizes come from the central directory because torch sets the data-descriptor flag and leaves the
 * local headers' sizes at zero. ZIP64 is supported since checkpoints over 4 GB need it.
 *
 * @param bytes the whole archive
 * @param file the file name used in error messages
 * @returns entry name -> entry bytes, in central-directory order
 */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new WeightsError(`${file}: ${what}`);
  };
  const eocd = findEndOfCentralDirectory(dv);
  if (eocd < 0) {
    fail(bytes.length >= 4 && dv.getUint32(0, true) === LOCAL_SIG
      ? 'zip archive is truncated (no end-of-central-directory record)'
      : 'not a zip archive (PyTorch >= 1.6 checkpoints are zip files)');
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) fail('multi-disk zip archives are not supported');

  const locator = eocd - 20;
  if (locator >= 0 && dv.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const z64 = readU64(dv, locator + 8, fail, 'ZIP64 end-of-central-directory offset');
    if (z64 + 56 > locator) fail(`ZIP64 end-of-central-directory offset ${z64} is out of range`);
    if (dv.getUint32(z64, true) !== ZIP64_EOCD_SIG) fail('ZIP64 end-of-central-directory record has a bad signature');
    count = readU64(dv, z64 + 32, fail, 'entry count');
    cdSize = readU64(dv, z64 + 40, fail, 'central directory size');
    cdOffset = readU64(dv, z64 + 48, fail, 'central directory offset');
  }
  if (cdOffset + cdSize > bytes.length) fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) goes beyond the file (${bytes.length} bytes)`);
  if (count * CENTRAL_SIZE > cdSize) fail(`central directory claims ${count} entries but is only ${cdSize} bytes`);

  const entries = new Map<string, Uint8Array>();
  const names = new TextDecoder('utf-8', { fatal: true });
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > cdEnd) fail(`central directory entry ${i} is truncated`);
    if (dv.getUint32(p, true) !== CENTRAL_SIG) fail(`central directory entry ${i} has a bad signature`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > cdEnd) fail(`central directory entry ${i} is truncated`);
    let name: string;
    try {
      name = names.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen));
    } catch {
      name = fail(`central directory entry ${i} has a name that is not UTF-8`);
    }
    // ZIP64 extra field: only the fields whose 32-bit slot is saturated are present, in this order.
    const extraStart = p + CENTRAL_SIZE + nameLen;
    for (let q = extraStart; q + 4 <= extraStart + extraLen;) {
      const id = dv.getUint16(q, true);
      const size = dv.getUint16(q + 2, true);
      if (q + 4 + size > extraStart + extraLen) fail(`entry "${name}" has a truncated extra field`);
      if (id === 0x0001) {
        let f = q + 4;
        const take = (what: string): number => {
          if (f + 8 > q + 4 + size) fail(`entry "${name}" has a truncated ZIP64 field`);
          const v = readU64(dv, f, fail, `entry "${name}" ${what}`);
          f += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take('size');
        if (csize === 0xffffffff) csize = take('compressed size');
        if (local === 0xffffffff) local = take('offset');
      }
      q += 4 + size;
    }
    if (flags & 1) fail(`entry "${name}" is encrypted`);
    if (method !== 0) {
      fail(`entry "${name}" is compressed (method ${method}); torch.save writes stored entries only, so this archive was rewritten by another tool`);
    }
    if (csize !== usize) fail(`entry "${name}" is stored but its sizes differ (${csize} vs ${usize})`);
    if (local + LOCAL_SIZE > bytes.length) fail(`entry "${name}" local header offset ${local} is out of range`);
    if (dv.getUint32(local, true) !== LOCAL_SIG) fail(`entry "${name}" local header has a bad signature`);
    const start = local + LOCAL_SIZE + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (start + csize > bytes.length) fail(`entry "${name}" data [${start}, ${start + csize}) goes beyond the file (${bytes.length} bytes)`);
    if (entries.has(name)) fail(`entry "${name}" appears twice`);
    entries.set(name, bytes.subarray(start, start + csize));
    p = next;
  }
  return entries;
}

/** Offset of the end-of-central-directory record, or -1. It sits at the end, before an optional comment. */
function findEndOfCentralDirectory(dv: DataView): number {
  const last = dv.byteLength - EOCD_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let p = last; p >= first; p--) {
    if (dv.getUint32(p, true) === EOCD_SIG && p + EOCD_SIZE + dv.getUint16(p + 20, true) === dv.byteLength) return p;
  }
  return -1;
}

function readU64(dv: DataView, at: number, fail: (what: string) => never, what: string): number {
  if (at < 0 || at + 8 > dv.byteLength) fail(`${what} is out of range`);
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is too large`);
  return Number(v);
}
