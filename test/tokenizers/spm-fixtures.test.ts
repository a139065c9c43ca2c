import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, type DebertaTokenizer } from '../../src/tokenizers/index.js';
import { fixture, folder, toCodePoints, V3, V3_HUB_FILES, type DecodeCase, type PairCase, type SpmCase, pairFailures } from './helpers.js';

const singles = fixture<SpmCase[]>('spm_cases.json');
const pairs = fixture<PairCase[]>('spm_pair_cases.json');
const decodes = fixture<DecodeCase[]>('spm_decode_cases.json');

/** Python's str.strip(), which transformers' slow decode applies. */
const pyStrip = (s: string): string => s.replace(/^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu, '');

describe('DeBERTa v3, slow semantics from spm.model (sentencepiece)', () => {
  let tok: DebertaTokenizer;
  beforeAll(async () => {
    tok = await AutoTokenizer.fromPretrained(folder(V3, V3_HUB_FILES), { semantics: 'slow', modelMaxLength: 1e6 });
  });

  it(`encodes all ${singles.length} single texts exactly (ids and pieces)`, () => {
    expect(tok.semantics).toBe('slow');
    const failures: string[] = [];
    for (const c of singles) {
      const got = tok(c.text);
      const ids = got.inputIds[0];
      if (JSON.stringify(ids) !== JSON.stringify(c.ids_with_special)) failures.push(`${c.id}: ids`);
      else if (JSON.stringify(tok.tokenize(c.text)) !== JSON.stringify(c.pieces)) failures.push(`${c.id}: pieces`);
      else if (JSON.stringify(got.tokenTypeIds[0]) !== JSON.stringify(c.token_type_ids)) failures.push(`${c.id}: type ids`);
    }
    expect(failures).toEqual([]);
  });

  it(`encodes all ${pairs.length} pairs exactly`, () => {
    expect(pairFailures(tok, pairs)).toEqual([]);
  });

  it(`decodes all ${decodes.length} id lists like sentencepiece`, () => {
    const failures: string[] = [];
    for (const c of decodes) {
      const got = tok.decode(c.ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
      if (got !== pyStrip(c.decoded)) failures.push(`${c.id}: ${JSON.stringify(got)}`);
    }
    expect(failures).toEqual([]);
  });

  it('keeps special tokens in decode the way transformers does', () => {
    expect(tok.decode([1, 3045, 128000, 2378, 2])).toBe('[CLS] Paris[MASK] France[SEP]');
    expect(tok.decode([1, 5365, 447, 300, 2])).toBe('[CLS] Hello world![SEP]');
  });
});

for (const variant of ['tokenizer.json', 'spm.model converted'] as const) {
  describe(`DeBERTa v3, fast semantics (${variant})`, () => {
    let tok: DebertaTokenizer;
    beforeAll(async () => {
      const src = variant === 'tokenizer.json' ? folder(V3) : folder(V3, V3_HUB_FILES, ['tokenizer.json']);
      tok = await AutoTokenizer.fromPretrained(src, { modelMaxLength: 1e6 });
    });

    it(`encodes all ${singles.length} single texts exactly (ids and offsets)`, () => {
      expect(tok.semantics).toBe('fast');
      const failures: string[] = [];
      for (const c of singles) {
        const got = tok(c.text, { returnOffsets: true });
        const expected = c.fast_equal ? c.ids_with_special : (c.fast as { ids_with_special: number[] }).ids_with_special;
        const offsets = toCodePoints(c.text, (got.offsets as Array<Array<[number, number]>>)[0].slice(1, -1));
        if (JSON.stringify(got.inputIds[0]) !== JSON.stringify(expected)) failures.push(`${c.id}: ids`);
        else if (JSON.stringify(offsets) !== JSON.stringify(c.fast_offsets)) failures.push(`${c.id}: offsets`);
      }
      expect(failures).toEqual([]);
    });

    it(`encodes all ${pairs.length} pairs exactly`, () => {
      const failures: string[] = [];
      for (const c of pairs) {
        const got = tok([c.a], [c.b]);
        const ids = c.fast_equal ? c.ids : (c.fast as { ids: number[] }).ids;
        const types = c.fast_equal ? c.token_type_ids : (c.fast?.token_type_ids ?? c.token_type_ids);
        if (JSON.stringify(got.inputIds[0]) !== JSON.stringify(ids)) failures.push(`${c.id}: ids`);
        else if (JSON.stringify(got.tokenTypeIds[0]) !== JSON.stringify(types)) failures.push(`${c.id}: type ids`);
      }
      expect(failures).toEqual([]);
    });

    it(`decodes all ${decodes.length} id lists like the Rust library`, () => {
      const failures: string[] = [];
      for (const c of decodes) {
        const skip = tok.decode(c.ids, { skipSpecialTokens: true });
        const keep = tok.decode(c.ids);
        if (skip !== c.fast_decoded) failures.push(`${c.id}: skip ${JSON.stringify(skip)}`);
        if (keep !== c.fast_decoded_keep_special) failures.push(`${c.id}: keep ${JSON.stringify(keep)}`);
        if (c.fast_ids && tok.decode(c.fast_ids, { skipSpecialTokens: true }) !== c.fast_ids_fast_decoded) {
          failures.push(`${c.id}: fast ids`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('has the v3 special tokens, with [MASK] = 128000 outside spm.model', () => {
      expect([tok.clsTokenId, tok.sepTokenId, tok.padTokenId, tok.unkTokenId, tok.maskTokenId]).toEqual([1, 2, 0, 3, 128000]);
      expect([tok.clsToken, tok.sepToken, tok.padToken, tok.unkToken, tok.maskToken]).toEqual(['[CLS]', '[SEP]', '[PAD]', '[UNK]', '[MASK]']);
      expect(tok.vocabSize).toBe(128000);
      expect(tok.fullVocabSize).toBe(128001);
      expect(tok.convertIdsToTokens([128000, 1, 5365])).toEqual(['[MASK]', '[CLS]', '\u2581Hello']);
      expect(tok.convertTokensToIds(['[MASK]', '\u2581Hello', 'no-such-piece'])).toEqual([128000, 5365, 3]);
    });
  });
}
