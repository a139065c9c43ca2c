import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, type DebertaTokenizer } from '../../src/tokenizers/index.js';
import { fixture, folder, V1, type BpeCase, type DecodeCase, type PairCase, pairFailures } from './helpers.js';

const singles = fixture<BpeCase[]>('bpe_cases.json');
const pairs = fixture<PairCase[]>('bpe_pair_cases.json');
const decodes = fixture<DecodeCase[]>('bpe_decode_cases.json');

const variants = [
  ['slow, vocab.json + merges.txt', { semantics: 'slow' as const }, [] as string[]],
  ['fast, tokenizer.json', {}, []],
  ['fast, converted from vocab.json + merges.txt', {}, ['tokenizer.json']],
] as const;

for (const [name, options, hide] of variants) {
  describe(`DeBERTa v1 GPT-2 BPE (${name})`, () => {
    let tok: DebertaTokenizer;
    beforeAll(async () => {
      tok = await AutoTokenizer.fromPretrained(folder(V1, {}, [...hide]), { ...options, modelMaxLength: 1e6 });
    });

    it(`encodes all ${singles.length} single texts exactly (ids and byte-level tokens)`, () => {
      expect(tok.vocabType).toBe('bpe');
      const failures: string[] = [];
      for (const c of singles) {
        const got = tok(c.text);
        if (JSON.stringify(got.inputIds[0]) !== JSON.stringify(c.ids_with_special)) failures.push(`${c.id}: ids`);
        else if (JSON.stringify(got.tokenTypeIds[0]) !== JSON.stringify(c.token_type_ids)) failures.push(`${c.id}: type ids`);
        else if (JSON.stringify(tok.tokenize(c.text)) !== JSON.stringify(c.tokens)) failures.push(`${c.id}: tokens`);
      }
      expect(failures).toEqual([]);
    });

    it(`encodes all ${pairs.length} pairs exactly`, () => {
      expect(pairFailures(tok, pairs)).toEqual([]);
    });

    it(`decodes all ${decodes.length} id lists`, () => {
      const failures: string[] = [];
      for (const c of decodes) {
        if (tok.decode(c.ids, { skipSpecialTokens: true }) !== c.decoded) failures.push(`${c.id}: skip`);
        if (tok.decode(c.ids, { skipSpecialTokens: true }) !== c.fast_decoded) failures.push(`${c.id}: fast skip`);
        if (tok.decode(c.ids) !== c.fast_decoded_keep_special) failures.push(`${c.id}: keep`);
      }
      expect(failures).toEqual([]);
    });

    it('has the v1 special tokens; [MASK] swallows the space before it', () => {
      expect([tok.clsTokenId, tok.sepTokenId, tok.padTokenId, tok.unkTokenId, tok.maskTokenId]).toEqual([1, 2, 0, 3, 50264]);
      expect(tok.vocabSize).toBe(50265);
      expect(tok.encode('Paris is the [MASK] of France.')).toEqual(tok.encode('Paris is the[MASK] of France.'));
      expect(tok.tokenize('the [MASK] of')).toEqual(['the', '[MASK]', '\u0120of']);
    });
  });
}
