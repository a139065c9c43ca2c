import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZip } from '../../src/io/zip.js';
import { concat, modelDir, readBytes, writeZip } from './helpers.js';

describe('zip reader', () => {
  it('lists torch.save entries as zero-copy views, sizes from the central directory', () => {
    const bin = readBytes(join(modelDir('v1_base'), 'pytorch_model.bin'));
    const entries = readZip(bin, 'bin');
    expect(entries.size).toBe(54);
    expect([...entries.keys()][0]).toBe('pytorch_model/data.pkl');
    const storage = entries.get('pytorch_model/data/0') as Uint8Array;
    expect(storage.length).toBe(128 * 32 * 4);
    expect(storage.buffer).toBe(bin.buffer);
    // torch aligns storages to 64 bytes so they can be viewed as float32.
    expect(storage.byteOffset % 64).toBe(0);
    expect(new TextDecoder().decode(entries.get('pytorch_model/version'))).toBe('3\n');
  });

  it('accepts a trailing archive comment', () => {
    const zip = writeZip([{ name: 'a/b', data: new Uint8Array([1, 2, 3]) }]);
    const comment = new TextEncoder().encode('made by a test');
    new DataView(zip.buffer).setUint16(zip.length - 2, comment.length, true);
    expect(readZip(concat([zip, comment]), 'z').get('a/b')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('reads ZIP64 records and extra fields', () => {
    const data = new Uint8Array([9, 8, 7, 6]);
    const plain = writeZip([{ name: 'x', data }]);
    const dv = new DataView(plain.buffer);
    const eocdAt = plain.length - 22;
    const cdOffset = dv.getUint32(eocdAt + 16, true);
    const cdSize = dv.getUint32(eocdAt + 12, true);
    // Saturate the central entry's sizes/offset and move the real values into a ZIP64 extra field.
    const cd = plain.slice(cdOffset, cdOffset + cdSize);
    const cv = new DataView(cd.buffer);
    cv.setUint32(20, 0xffffffff, true);
    cv.setUint32(24, 0xffffffff, true);
    cv.setUint32(42, 0xffffffff, true);
    cv.setUint16(30, 28, true);
    const extra = new Uint8Array(28);
    const xv = new DataView(extra.buffer);
    xv.setUint16(0, 1, true);
    xv.setUint16(2, 24, true);
    xv.setBigUint64(4, 4n, true);
    xv.setBigUint64(12, 4n, true);
    xv.setBigUint64(20, 0n, true);
    const newCd = concat([cd, extra]);
    const z64 = new Uint8Array(56);
    const zv = new DataView(z64.buffer);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setBigUint64(24, 1n, true);
    zv.setBigUint64(32, 1n, true);
    zv.setBigUint64(40, BigInt(newCd.length), true);
    zv.setBigUint64(48, BigInt(cdOffset), true);
    const locator = new Uint8Array(20);
    const lv = new DataView(locator.buffer);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(cdOffset + newCd.length), true);
    lv.setUint32(16, 1, true);
    const eocd = new Uint8Array(22);
    const ev = new DataView(eocd.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, 0xffff, true);
    ev.setUint16(10, 0xffff, true);
    ev.setUint32(12, 0xffffffff, true);
    ev.setUint32(16, 0xffffffff, true);
    const zip = concat([plain.subarray(0, cdOffset), newCd, z64, locator, eocd]);
    expect(readZip(zip, 'z64').get('x')).toEqual(data);
  });

  it.each([
    ['duplicate names', writeZip([{ name: 'a', data: new Uint8Array(1) }, { name: 'a', data: new Uint8Array(1) }]), 'entry "a" appears twice'],
    ['an entry count beyond the directory', (() => {
      const z = writeZip([{ name: 'a', data: new Uint8Array(1) }]);
      new DataView(z.buffer).setUint16(z.length - 12, 5000, true);
      return z;
    })(), 'central directory claims 5000 entries'],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => readZip(bytes, 'f.bin')).toThrow(`f.bin: ${message}`);
  });
});
