import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenizerError } from '../../src/errors.js';
import { AutoTokenizer, type DebertaTokenizer } from '../../src/tokenizers/index.js';
import { folder, loadTokenizers, V1, V3 } from './helpers.js';

let fast: DebertaTokenizer;
let slow: DebertaTokenizer;
let v1: DebertaTokenizer;
beforeAll(async () => ({ fast, slow, v1 } = await loadTokenizers()));
afterEach(() => vi.restoreAllMocks());

describe('loading', () => {
  it('picks tokenizer.json by default and spm.model for slow semantics', () => {
    expect(typeof fast).toBe('function');
    expect([fast.semantics, fast.vocabType, slow.semantics, slow.vocabType, v1.vocabType]).toEqual(['fast', 'spm', 'slow', 'spm', 'bpe']);
    expect(fast.modelMaxLength).toBe(512);
  });

  it('honours tokenizer_config.json (do_lower_case, model_max_length, padding side)', async () => {
    const config = '{"do_lower_case": true, "model_max_length": 128, "padding_side": "left"}';
    for (const semantics of ['fast', 'slow'] as const) {
      const tok = await AutoTokenizer.fromPretrained(folder(V3, { 'tokenizer_config.json': config }, ['tokenizer.json']), { semantics });
      expect(tok.modelMaxLength).toBe(128);
      expect(tok.encode('Hello WORLD')).toEqual(fast.encode('hello world'));
      expect(tok(['a', 'a b c'], { padding: true }).inputIds[0].slice(0, 2)).toEqual([0, 0]);
    }
  });

  it('takes special tokens and added tokens from the config files', async () => {
    const tok = await AutoTokenizer.fromPretrained(
      folder(V3, { 'added_tokens.json': '{"[MASK]": 128000, "<ent>": 128001}', 'special_tokens_map.json': '{"mask_token": {"content": "[MASK]", "lstrip": true}}' }, ['tokenizer.json']),
      { semantics: 'slow' },
    );
    expect(tok.fullVocabSize).toBe(128002);
    expect(tok.encode('a <ent> b', undefined, { addSpecialTokens: false })).toEqual([...slow.encode('a', undefined, { addSpecialTokens: false }), 128001, ...slow.encode('b', undefined, { addSpecialTokens: false })]);
    expect(tok.tokenize('Paris [MASK]')).toEqual(['\u2581Paris', '[MASK]']);
  });

  it('reports missing and corrupt files with the file name and the problem', async () => {
    const spm = readFileSync(join(V3, 'spm.model'));
    const cases: Array<[Parameters<typeof AutoTokenizer.fromPretrained>[0], object, RegExp]> = [
      [folder(V3, { 'spm.model': spm.subarray(0, 1000) }, ['tokenizer.json']), {}, /spm\.model: truncated/],
      [folder(V3, { 'spm.model': Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255) }, ['tokenizer.json']), {}, /spm\.model: /],
      [folder(V3, { 'spm.model': new Uint8Array(0) }, ['tokenizer.json']), {}, /spm\.model: the model has no pieces/],
      [folder(V3, { 'tokenizer.json': '{"model": ' }), {}, /tokenizer\.json: invalid JSON/],
      [folder(V3, { 'tokenizer.json': '{"model": {"type": "WordPiece", "vocab": {}}}' }), {}, /tokenizer\.json: model\.type: model "WordPiece" is not supported/],
      [folder(V3, { 'tokenizer.json': '{"model": {"type": "Unigram", "vocab": [["a", "x"]], "unk_id": 0}}' }), {}, /tokenizer\.json: model\.vocab\[0\]\[1\]: expected a number/],
      [
        folder(V3, { 'tokenizer.json': '{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAA"}, "model": {"type": "Unigram", "vocab": [["a", 0]], "unk_id": 0}}' }),
        {},
        /tokenizer\.json: normalizer\.precompiled_charsmap: /,
      ],
      [folder(V1, { 'merges.txt': '#version: 0.2\nĠ t\nnot a merge\n' }, ['tokenizer.json']), {}, /merges\.txt: line 3/],
      [folder(V1, { 'vocab.json': '[1, 2]' }, ['tokenizer.json']), {}, /vocab\.json: expected a JSON object/],
      [folder(V3, { 'tokenizer_config.json': '{"do_lower_case": "yes"}' }), {}, /tokenizer_config\.json: do_lower_case must be a boolean/],
      [folder('/nonexistent-folder-for-test'), {}, /no tokenizer files found/],
      [folder(V3, {}, ['spm.model']), { semantics: 'slow' }, /semantics 'slow' cannot use tokenizer\.json/],
    ];
    for (const [source, options, message] of cases) {
      const load = AutoTokenizer.fromPretrained(source, options);
      await expect(load).rejects.toThrow(TokenizerError);
      await expect(AutoTokenizer.fromPretrained(source, options)).rejects.toThrow(message);
    }
  });
});

describe('calling the tokenizer', () => {
  it('always returns a batch, for one text, a pair, texts and pairs', () => {
    const one = fast('Hello world!');
    expect(one).toEqual({ inputIds: [[1, 5365, 447, 300, 2]], attentionMask: [[1, 1, 1, 1, 1]], tokenTypeIds: [[0, 0, 0, 0, 0]] });
    const pair = fast('Hello', 'world');
    expect(pair.tokenTypeIds[0]).toEqual([0, 0, 0, 1, 1]);
    expect(fast(['Hello'], ['world'])).toEqual(pair);
    expect(fast(['Hello', 'Hello world!']).inputIds).toEqual([[1, 5365, 2], [1, 5365, 447, 300, 2]]);
    expect(fast([]).inputIds).toEqual([]);
  });

  it('pads to the longest, to max_length and to a multiple', () => {
    const p = fast(['Hello', 'Hello world!'], { padding: true, returnOffsets: true, returnSpecialTokensMask: true });
    expect(p.inputIds[0]).toEqual([1, 5365, 2, 0, 0]);
    expect(p.attentionMask[0]).toEqual([1, 1, 1, 0, 0]);
    expect(p.tokenTypeIds[0]).toEqual([0, 0, 0, 0, 0]);
    expect(p.specialTokensMask?.[0]).toEqual([1, 0, 1, 1, 1]);
    expect(p.offsets?.[0]).toEqual([[0, 0], [0, 5], [0, 0], [0, 0], [0, 0]]);
    expect(fast('Hello', { padding: 'max_length', maxLength: 8 }).inputIds[0]).toEqual([1, 5365, 2, 0, 0, 0, 0, 0]);
    expect(fast('Hello', { padding: true, padToMultipleOf: 4 }).inputIds[0]).toEqual([1, 5365, 2, 0]);
    // As in transformers, maxLength with padding (and no truncation option) pads but does not truncate.
    expect(fast('Hello world!', { padding: 'max_length', maxLength: 3 }).inputIds[0]).toEqual([1, 5365, 447, 300, 2]);
  });

  it('truncates pairs like Rust (fast) or transformers Python (slow)', () => {
    const a = 'one two three four five';
    const b = 'six seven eight nine ten';
    expect(fast.encode(a, undefined, { addSpecialTokens: false })).toHaveLength(5);
    expect(fast.encode(b, undefined, { addSpecialTokens: false })).toHaveLength(5);
    const f = fast(a, b, { truncation: true, maxLength: 8 });
    const s = slow(a, b, { truncation: 'longest_first', maxLength: 8 });
    // 10 tokens + 3 specials must fit in 8: Rust keeps 2 + 3, transformers keeps 3 + 2.
    expect(f.tokenTypeIds[0]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(s.tokenTypeIds[0]).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(fast(a, b, { truncation: 'only_first', maxLength: 10 }).tokenTypeIds[0]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(fast(a, b, { truncation: 'only_second', maxLength: 10 }).tokenTypeIds[0]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(() => fast(a, b, { truncation: 'only_first', maxLength: 6 })).toThrow(/only_first/);
    expect(() => fast(a, { truncation: 'only_second', maxLength: 6 })).toThrow(/needs a pair/);
    expect(() => fast(a, { truncation: true, maxLength: 1 })).toThrow(/shorter than the 2 special tokens/);
    expect(fast(a, { truncation: true, maxLength: 4 }).inputIds[0]).toEqual([1, ...fast.encode(a, undefined, { addSpecialTokens: false }).slice(0, 2), 2]);
  });

  it('truncates to modelMaxLength with truncation: true, and defaults to longest_first when only maxLength is given', async () => {
    const long = 'word '.repeat(2000);
    expect(fast(long, { truncation: true }).inputIds[0]).toHaveLength(512);
    const tok = await AutoTokenizer.fromPretrained(V1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(tok(long, { maxLength: 10 }).inputIds[0]).toHaveLength(10);
    expect(warn.mock.calls[0][0]).toMatch(/Defaulting to 'longest_first'/);
  });

  it('warns, once, about a text far past maxLength with truncation off, and never truncates silently', async () => {
    const tok = await AutoTokenizer.fromPretrained(V3);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const long = 'word '.repeat(5000);
    expect(tok(long).inputIds[0]).toHaveLength(5002);
    expect(tok(long).inputIds[0]).toHaveLength(5002);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe(
      'Token indices sequence length is longer than the specified maximum sequence length for this model (5002 > 512). Running this sequence through the model will result in indexing errors',
    );
  });

  it('returns offsets in UTF-16 units of each input string', () => {
    const text = 'I ❤️ 🦀s!';
    const out = fast(text, 'and 🦀', { returnOffsets: true });
    const ids = out.inputIds[0];
    const offsets = out.offsets?.[0] ?? [];
    const sep = ids.indexOf(2);
    const pieces = offsets.slice(1, sep).map(([s, e]) => text.slice(s, e));
    expect(pieces.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    // "▁🦀" is no piece: the space becomes "▁" alone and the crab [UNK], each pointing at its own text.
    expect(offsets.slice(sep + 1, -1).map(([s, e]) => 'and 🦀'.slice(s, e))).toEqual(['and', ' ', '🦀']);
    const slowOffsets = slow('  Hello   wörld', { returnOffsets: true }).offsets?.[0];
    // sentencepiece's own alignment: the kept "▁" stands for the first space of a run, Rust's for the last.
    expect(slowOffsets).toEqual([[0, 0], [2, 7], [7, 11], [11, 13], [13, 15], [0, 0]]);
    expect(fast('  Hello   wörld', { returnOffsets: true }).offsets?.[0]).toEqual([[0, 0], [2, 7], [9, 11], [11, 13], [13, 15], [0, 0]]);
  });
});

describe('bad input', () => {
  it('rejects non-string input with a TokenizerError', () => {
    const call = fast as unknown as (...args: unknown[]) => unknown;
    for (const bad of [42, null, undefined, { text: 'x' }, ['a', 3], [null]]) {
      expect(() => call(bad)).toThrow(TokenizerError);
    }
    expect(() => call('a', 5)).toThrow(/pair must be a string/);
    expect(() => call(['a', 'b'], ['c'])).toThrow(/2 texts but 1 pairs/);
    expect(() => call('a', ['b'])).toThrow(/both be strings or both be arrays/);
    // Bad options, ids and sizes: bad-input.test.ts.
    expect(() => fast.decode([1, 128001])).toThrow(/ids\[1\] is 128001, which is not a token id/);
    expect(() => fast.decode([1.5])).toThrow(TokenizerError);
    expect(() => (fast.decode as (x: unknown) => string)('1 2')).toThrow(TokenizerError);
  });

  it('encodes the empty string and whitespace to [CLS] [SEP]', () => {
    for (const tok of [fast, slow, v1]) {
      expect(tok('').inputIds[0]).toEqual([1, 2]);
      expect(tok('', '').inputIds[0]).toEqual([1, 2, 2]);
      expect(tok.decode(tok('').inputIds[0], { skipSpecialTokens: true })).toBe('');
    }
    expect(fast(' \t\n ').inputIds[0]).toEqual([1, 2]);
    expect(slow(' \t\n ').inputIds[0]).toEqual([1, 2]);
  });

  it('replaces lone surrogates with U+FFFD, as TextEncoder and the Rust package do', async () => {
    const text = 'a\ud800b \udc00c 😀\ud83d';
    const fixed = 'a\ufffdb \ufffdc 😀\ufffd';
    for (const tok of [fast, slow, v1]) {
      const got = tok(text, { returnOffsets: true });
      const ref = tok(fixed, { returnOffsets: true });
      expect(got).toEqual(ref);
    }
    const rust = Tokenizer.fromFile(join(V3, 'tokenizer.json'));
    expect(fast(text).inputIds[0]).toEqual((await rust.encode(text)).getIds());
  });
});

describe('decoding and vocabulary', () => {
  it('decodes with and without special tokens and cleans up spaces on request', () => {
    const ids = fast.encode("Hello , world ! It 's fine .");
    expect(fast.decode(ids)).toBe("[CLS] Hello , world ! It 's fine .[SEP]");
    expect(fast.decode(ids, { skipSpecialTokens: true })).toBe("Hello , world ! It 's fine .");
    expect(fast.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: true })).toBe("Hello, world! It's fine.");
    expect(fast.batchDecode([ids, [1, 2]], { skipSpecialTokens: true })).toEqual(["Hello , world ! It 's fine .", '']);
    expect(v1.decode(v1.encode('Héllo 🦀 wörld'), { skipSpecialTokens: true })).toBe('Héllo 🦀 wörld');
    expect(slow.decode(slow.encode('Héllo 🦀 wörld'), { skipSpecialTokens: true })).toBe('Héllo 🦀 wörld');
  });

  it('maps tokens and ids both ways', () => {
    expect(v1.convertIdsToTokens(v1.encode('Hello world'))).toEqual(['[CLS]', 'Hello', '\u0120world', '[SEP]']);
    expect(v1.convertTokensToIds(['[MASK]', 'Hello', '\u0120world', '???unknown'])).toEqual([50264, 31414, 232, 3]);
    expect(slow.convertIdsToTokens([4, 69, 128000])).toEqual(['<0x00>', '<0x41>', '[MASK]']);
    expect(() => slow.convertIdsToTokens([-1])).toThrow(TokenizerError);
    expect(fast.allSpecialIds).toEqual([0, 1, 2, 3, 128000]);
  });

  it('matches Rust on a near-tie that depends on how tokenizer.json scores are parsed', async () => {
    const text = '\u2151\u13a5\ufeff\uff1fbbb\u0440';
    const rust = Tokenizer.fromFile(join(V3, 'tokenizer.json'));
    expect(fast(text).inputIds[0]).toEqual((await rust.encode(text)).getIds());
    expect(fast.tokenize('\uff1fbbb\u0440')).toEqual(['\u2581?', 'bb', 'b', '\u0440']);
  });
});
