import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../../src/errors.js';
import { ProtoReader } from '../../src/tokenizers/sentencepiece/protobuf.js';
import { decodeBase64 } from '../../src/tokenizers/text/base64.js';
import { graphemeEnd } from '../../src/tokenizers/text/graphemes.js';
import { toWellFormed } from '../../src/tokenizers/text/unicode.js';
import { serdeJsonF64 } from '../../src/tokenizers/tokenizer-json/serde-float.js';
import { randomText, rng } from './fuzz-gen.js';

describe('base64', () => {
  it('decodes like Buffer for every length and both alphabets', () => {
    const r = rng(1);
    for (let n = 0; n < 64; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const b64 = Buffer.from(bytes).toString('base64');
      expect(Array.from(decodeBase64(b64))).toEqual(Array.from(bytes));
      expect(Array.from(decodeBase64(Buffer.from(bytes).toString('base64url')))).toEqual(Array.from(bytes));
    }
  });

  it('rejects characters outside the alphabet', () => {
    expect(() => decodeBase64('ab$d')).toThrow(TokenizerError);
    expect(() => decodeBase64('ab=c')).toThrow(TokenizerError);
  });
});

describe('protobuf reader', () => {
  it('reads varints, negative int32s, floats and strings', () => {
    // field 1 varint 300; field 2 varint -1 (10 bytes); field 3 fixed32 1.5; field 4 string "hé"
    const bytes = Uint8Array.from([
      0x08, 0xac, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1d, 0, 0, 0xc0, 0x3f, 0x22, 3,
      0x68, 0xc3, 0xa9,
    ]);
    const r = new ProtoReader(bytes);
    expect(r.tag()).toEqual([1, 0]);
    expect(r.uint()).toBe(300);
    expect(r.tag()).toEqual([2, 0]);
    expect(r.int32()).toBe(-1);
    expect(r.tag()).toEqual([3, 5]);
    expect(r.float32()).toBe(1.5);
    expect(r.tag()).toEqual([4, 2]);
    expect(r.string()).toBe('hé');
    expect(r.done).toBe(true);
  });

  it('fails on truncated input instead of reading past the end', () => {
    expect(() => new ProtoReader(Uint8Array.from([0x22, 10, 1, 2])).tag() && new ProtoReader(Uint8Array.from([0x22, 10, 1])).skip(2)).toThrow(
      TokenizerError,
    );
    const r = new ProtoReader(Uint8Array.from([0x0d, 1, 2]));
    r.tag();
    expect(() => r.float32()).toThrow(/truncated/);
  });
});

describe('grapheme clusters', () => {
  it('agree with Intl.Segmenter on random text (GB9c aside)', () => {
    const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });
    const r = rng(5);
    // Indic conjunct linkers (rule GB9c) are deliberately not implemented: see graphemes.ts.
    const linkers = /[\u094d\u09cd\u0acd\u0b4d\u0c4d\u0d4d]/u;
    let checked = 0;
    for (let k = 0; k < 3000; k++) {
      // Lone surrogates never reach the segmenter (the tokenizer replaces them first).
      const text = toWellFormed(randomText(r, 20));
      if (linkers.test(text)) continue;
      const expected = [...seg.segment(text)].map((s) => s.index + s.segment.length);
      const got: number[] = [];
      for (let i = 0; i < text.length; ) got.push((i = graphemeEnd(text, i, text.length)));
      expect(got, JSON.stringify(text)).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });
});

describe('serde_json float parsing', () => {
  it('reproduces the one-ulp differences of non-roundtrip parsing', () => {
    // The score of "▁years": 72473015785217285 rounds to a double before the division by 1e16.
    expect(serdeJsonF64(-7.2473015785217285)).toBe(-7.247301578521728);
    expect(serdeJsonF64(0.5)).toBe(0.5);
    expect(serdeJsonF64(-3)).toBe(-3);
    expect(serdeJsonF64(1e-7)).toBe(1e-7);
  });
});
