import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DebertaError, InputError, TokenizerError } from '../../src/errors.js';
import { AutoTokenizer, MAX_PADDING_TOKENS, MAX_SEQUENCE_LENGTH, type DebertaTokenizer } from '../../src/tokenizers/index.js';
import { loadTokenizers, V3 } from './helpers.js';

let fast: DebertaTokenizer;
let slow: DebertaTokenizer;
let v1: DebertaTokenizer;
beforeAll(async () => ({ fast, slow, v1 } = await loadTokenizers()));
afterEach(() => vi.restoreAllMocks());

type ErrorClass = typeof InputError | typeof TokenizerError;
/** One bad call: what it does, the error class it must throw, and what the message must say. */
type Case = [name: string, run: (tok: Untyped) => unknown, error: ErrorClass, message: RegExp];

/** The tokenizer as JavaScript callers see it: no compile-time types to stop bad arguments. */
interface Untyped {
  (...args: unknown[]): unknown;
  encode(...args: unknown[]): unknown;
  tokenize(...args: unknown[]): unknown;
  decode(...args: unknown[]): unknown;
  batchDecode(...args: unknown[]): unknown;
  convertIdsToTokens(...args: unknown[]): unknown;
  convertTokensToIds(...args: unknown[]): unknown;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Runs every case on every fixture tokenizer: the checks sit above the engines, so all three must agree. */
function check(cases: Case[]): void {
  for (const tok of [fast, slow, v1]) {
    for (const [name, run, error, message] of cases) {
      const e = thrown(() => run(tok as unknown as Untyped));
      expect(e, `${name} (${tok.vocabType}, ${tok.semantics})`).toBeInstanceOf(error);
      expect(e).toBeInstanceOf(DebertaError);
      expect((e as Error).message, name).toMatch(message);
    }
  }
}

const CALL_KEYS = 'valid options: addSpecialTokens, maxLength, padToMultipleOf, padding, returnOffsets, returnSpecialTokensMask, truncation';

describe('options objects', () => {
  it('reject unknown keys and null, naming the key and listing the valid ones', () => {
    check([
      ['call: typo', (t) => t('a', { paddng: true }), InputError, new RegExp(`^tokenizer call: unknown option "paddng" \\(did you mean "padding"\\?\\); ${CALL_KEYS}$`)],
      ['call: Python name', (t) => t(['a'], { max_length: 8 }), InputError, /unknown option "max_length" \(did you mean "maxLength"\?\)/],
      ['call with a pair: unknown key', (t) => t('a', 'b', { stride: 2 }), InputError, new RegExp(`unknown option "stride"; ${CALL_KEYS}`)],
      ['call: null options', (t) => t('a', null), InputError, /^tokenizer call: options must be an object, got null$/],
      ['call with a pair: null options', (t) => t('a', 'b', null), InputError, /^tokenizer call: options must be an object, got null$/],
      ['call: number options', (t) => t(['a'], undefined, 5), InputError, /^tokenizer call: options must be an object, got 5$/],
      ['encode: padding', (t) => t.encode('a', undefined, { padding: true }), InputError, /^encode: unknown option "padding"; valid options: addSpecialTokens, maxLength, truncation$/],
      ['encode: returnOffsets', (t) => t.encode('a', undefined, { returnOffsets: true }), InputError, /^encode: unknown option "returnOffsets"/],
      ['encode: null options', (t) => t.encode('a', undefined, null), InputError, /^encode: options must be an object, got null$/],
      ['decode: unknown key', (t) => t.decode([1], { skipSpecial: true }), InputError, /^decode: unknown option "skipSpecial"; valid options: cleanUpTokenizationSpaces, skipSpecialTokens$/],
      ['decode: null options', (t) => t.decode([1], null), InputError, /^decode: options must be an object, got null$/],
      ['batchDecode: typo', (t) => t.batchDecode([[1]], { skipSpecialToken: true }), InputError, /^batchDecode: unknown option "skipSpecialToken" \(did you mean "skipSpecialTokens"\?\)/],
    ]);
  });

  it('reject option values of the wrong type, naming the option and the accepted values', () => {
    const padding = /^tokenizer call: padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got /;
    const truncation = /^tokenizer call: truncation must be true, false, 'longest_first', 'only_first', 'only_second' or 'do_not_truncate', got /;
    check([
      ['padding: "yes"', (t) => t('a', { padding: 'yes' }), InputError, new RegExp(padding.source + 'the string "yes"$')],
      ['padding: 1', (t) => t('a', { padding: 1 }), InputError, new RegExp(padding.source + '1$')],
      ['padding: null', (t) => t('a', { padding: null }), InputError, new RegExp(padding.source + 'null$')],
      ['truncation: 3', (t) => t('a', { truncation: 3 }), InputError, new RegExp(truncation.source + '3$')],
      ['truncation: "middle"', (t) => t('a', { truncation: 'middle' }), InputError, new RegExp(truncation.source + 'the string "middle"$')],
      ['maxLength: "5"', (t) => t('a', { maxLength: '5' }), InputError, /^tokenizer call: maxLength must be a non-negative integer, got the string "5"$/],
      ['maxLength: -3', (t) => t('a', { maxLength: -3 }), InputError, /maxLength must be a non-negative integer, got -3$/],
      ['maxLength: 2.5', (t) => t('a', { maxLength: 2.5, truncation: true }), InputError, /maxLength must be a non-negative integer, got 2\.5$/],
      ['maxLength: NaN', (t) => t('a', { maxLength: NaN }), InputError, /maxLength must be a non-negative integer, got NaN$/],
      ['maxLength: Infinity', (t) => t('a', { maxLength: Infinity }), InputError, /maxLength must be a non-negative integer, got Infinity$/],
      ['maxLength: null', (t) => t('a', { maxLength: null }), InputError, /maxLength must be a non-negative integer, got null$/],
      ['padToMultipleOf: 0', (t) => t('a', { padding: true, padToMultipleOf: 0 }), InputError, /^tokenizer call: padToMultipleOf must be a positive integer, got 0$/],
      ['padToMultipleOf: -8', (t) => t('a', { padding: true, padToMultipleOf: -8 }), InputError, /padToMultipleOf must be a positive integer, got -8$/],
      ['padToMultipleOf: 2.5', (t) => t('a', { padding: true, padToMultipleOf: 2.5 }), InputError, /padToMultipleOf must be a positive integer, got 2\.5$/],
      ['padToMultipleOf: "8"', (t) => t('a', { padding: true, padToMultipleOf: '8' }), InputError, /padToMultipleOf must be a positive integer, got the string "8"$/],
      ['padToMultipleOf without padding', (t) => t('a', { padToMultipleOf: 0.5 }), InputError, /padToMultipleOf must be a positive integer, got 0\.5$/],
      ['addSpecialTokens: "false"', (t) => t('a', { addSpecialTokens: 'false' }), InputError, /^tokenizer call: addSpecialTokens must be true or false, got the string "false"$/],
      ['returnOffsets: 1', (t) => t('a', { returnOffsets: 1 }), InputError, /returnOffsets must be true or false, got 1$/],
      ['returnSpecialTokensMask: "yes"', (t) => t('a', { returnSpecialTokensMask: 'yes' }), InputError, /returnSpecialTokensMask must be true or false, got the string "yes"$/],
      ['encode: maxLength "3"', (t) => t.encode('a', undefined, { maxLength: '3' }), InputError, /^encode: maxLength must be a non-negative integer, got the string "3"$/],
      ['encode: addSpecialTokens 0', (t) => t.encode('a', null, { addSpecialTokens: 0 }), InputError, /^encode: addSpecialTokens must be true or false, got 0$/],
      ['decode: skipSpecialTokens "true"', (t) => t.decode([1], { skipSpecialTokens: 'true' }), InputError, /^decode: skipSpecialTokens must be true or false, got the string "true"$/],
      ['batchDecode: cleanUp 1', (t) => t.batchDecode([[1]], { cleanUpTokenizationSpaces: 1 }), InputError, /^batchDecode: cleanUpTokenizationSpaces must be true or false, got 1$/],
    ]);
  });

  it('are checked before the texts, so a bad option fails before a large batch is tokenized', () => {
    check([
      ['bad option and bad text', (t) => t(['a', 5], { padding: 'yes' }), InputError, /padding must be/],
      ['oversized padToMultipleOf and bad text', (t) => t(['a', 5], { padding: true, padToMultipleOf: 1e9 }), TokenizerError, /padToMultipleOf/],
    ]);
  });

  it('still accept every valid value, with undefined meaning unset', () => {
    expect(fast('Hello', { padding: 'do_not_pad', truncation: 'do_not_truncate', maxLength: undefined, padToMultipleOf: undefined }).inputIds).toEqual([[1, 5365, 2]]);
    expect(fast(['Hello'], null as never, { padding: 'longest', padToMultipleOf: 4 }).inputIds).toEqual([[1, 5365, 2, 0]]);
    expect(fast('Hello world', { maxLength: 0, truncation: true, addSpecialTokens: false }).inputIds).toEqual([[]]);
    expect(fast('Hello', { padding: 'max_length', maxLength: 0 }).inputIds).toEqual([[1, 5365, 2]]);
    expect(() => fast('Hello', { maxLength: 0, truncation: true })).toThrow(/maxLength 0 is shorter than the 2 special tokens/);
    expect(fast.decode([1, 5365, 2], { skipSpecialTokens: false, cleanUpTokenizationSpaces: undefined })).toBe('[CLS] Hello[SEP]');
  });
});

describe('AutoTokenizer.fromPretrained options', () => {
  const cases: Array<[name: string, source: unknown, options: unknown, error: ErrorClass, message: RegExp]> = [
    ['a compute option', V3, { numThreads: 2 }, InputError, /^AutoTokenizer\.fromPretrained: unknown option "numThreads"; valid options: fetch, hubUrl, modelMaxLength, onProgress, revision, semantics, signal$/],
    ['a typo', V3, { semantic: 'slow' }, InputError, /unknown option "semantic" \(did you mean "semantics"\?\)/],
    ['null options', V3, null, InputError, /^AutoTokenizer\.fromPretrained: options must be an object, got null$/],
    ['semantics: "medium"', V3, { semantics: 'medium' }, InputError, /^AutoTokenizer\.fromPretrained: semantics must be 'slow' or 'fast', got the string "medium"$/],
    ['modelMaxLength: 0', V3, { modelMaxLength: 0 }, InputError, /modelMaxLength must be a positive integer, got 0$/],
    ['modelMaxLength: "512"', V3, { modelMaxLength: '512' }, InputError, /modelMaxLength must be a positive integer, got the string "512"$/],
    ['modelMaxLength: 1.5', V3, { modelMaxLength: 1.5 }, InputError, /modelMaxLength must be a positive integer, got 1\.5$/],
    ['revision: 5', V3, { revision: 5 }, InputError, /revision must be a string/],
    ['source: 42', 42, undefined, InputError, /^source must be .*; got 42$/],
  ];
  for (const [name, source, options, error, message] of cases) {
    it(`rejects ${name}`, async () => {
      const load = (AutoTokenizer.fromPretrained as (s: unknown, o: unknown) => Promise<DebertaTokenizer>)(source, options);
      const e = await load.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(error);
      expect((e as Error).message).toMatch(message);
    });
  }
});

describe('texts and pairs', () => {
  it('name the index of a missing or non-string text', () => {
    check([
      ['sparse text', (t) => t([, 'a']), TokenizerError, /^text\[0\] is missing \(sparse array\)$/],
      ['sparse text in the middle', (t) => t(['a', , 'b'], { padding: true }), TokenizerError, /^text\[1\] is missing \(sparse array\)$/],
      ['number in texts', (t) => t([1]), TokenizerError, /^text\[0\] must be a string, got 1$/],
      ['object in texts', (t) => t(['a', {}]), TokenizerError, /^text\[1\] must be a string, got an object \(Object\)$/],
      ['undefined in texts', (t) => t([undefined]), TokenizerError, /^text\[0\] must be a string, got undefined$/],
      ['a [text, pair] tuple', (t) => t([['a', 'b']]), TokenizerError, /^text\[0\] must be a string, got an array \(pairs go as two arrays: tokenizer\(texts, pairs\)\)$/],
      ['null text', (t) => t(null), TokenizerError, /^text must be a string or an array of strings, got null$/],
      ['undefined text', (t) => t(undefined), TokenizerError, /^text must be a string or an array of strings, got undefined$/],
      ['no arguments', (t) => t(), TokenizerError, /^text must be a string or an array of strings, got undefined$/],
      ['a String object', (t) => t(new String('a')), TokenizerError, /got an object \(String\)$/],
    ]);
  });

  it('name the missing side of a pair', () => {
    check([
      ['pair without a text', (t) => t(undefined, 'b'), TokenizerError, /^text must be a string or an array of strings, got undefined$/],
      ['sparse pairs', (t) => t(['a', 'b'], ['c', ,]), TokenizerError, /^pair\[1\] is missing \(sparse array\)$/],
      ['undefined pair', (t) => t(['a', 'b'], ['c', undefined]), TokenizerError, /^pair\[1\] must be a string, got undefined$/],
      ['null pair', (t) => t(['a'], [null]), TokenizerError, /^pair\[0\] must be a string, got null$/],
      ['fewer pairs', (t) => t(['a', 'b'], ['c']), TokenizerError, /^got 2 texts but 1 pairs$/],
      ['a number as pair', (t) => t('a', 5), TokenizerError, /^the pair must be a string or an array of strings, got 5$/],
      ['encode: pair object', (t) => t.encode('a', { addSpecialTokens: false }), TokenizerError, /^pair must be a string, got an object \(Object\) \(options go third: encode\(text, undefined, options\)\)$/],
      ['encode: number text', (t) => t.encode(5), TokenizerError, /^text must be a string, got 5$/],
      ['tokenize: null', (t) => t.tokenize(null), TokenizerError, /^text must be a string, got null$/],
      ['convertTokensToIds: sparse', (t) => t.convertTokensToIds(['[CLS]', , 'a']), TokenizerError, /^tokens\[1\] is missing \(sparse array\)$/],
      ['convertTokensToIds: number', (t) => t.convertTokensToIds([7]), TokenizerError, /^tokens\[0\] must be a string, got 7$/],
    ]);
  });

  it('still take a null pair as no pair when options follow (transformers: text_pair=None)', () => {
    expect(fast('Hello', null as never, { padding: 'max_length', maxLength: 4 }).inputIds).toEqual([[1, 5365, 2, 0]]);
  });
});

describe('decode ids', () => {
  it('names the index and the value of an id that is not a token id', () => {
    const cases = (tok: DebertaTokenizer): Case[] => [
      ['BigInt', (t) => t.decode([1n]), TokenizerError, /^ids\[0\] is the BigInt 1n, not a token id \(ids are numbers; convert with Number\(\)\)$/],
      ['BigInt64Array', (t) => t.decode(BigInt64Array.from([1n])), TokenizerError, /^ids\[0\] is the BigInt 1n/],
      ['NaN', (t) => t.decode([1, NaN]), TokenizerError, /^ids\[1\] is NaN, not a token id \(ids are non-negative integers\)$/],
      ['Infinity', (t) => t.decode([Infinity]), TokenizerError, /^ids\[0\] is Infinity, not a token id/],
      ['-Infinity', (t) => t.decode([-Infinity]), TokenizerError, /^ids\[0\] is -Infinity, not a token id/],
      ['negative', (t) => t.decode([1, 2, -1]), TokenizerError, /^ids\[2\] is -1, not a token id \(ids are non-negative integers\)$/],
      ['fractional', (t) => t.decode([1.5]), TokenizerError, /^ids\[0\] is 1\.5, not a token id/],
      ['a string id', (t) => t.decode(['1']), TokenizerError, /^ids\[0\] is the string "1", not a token id/],
      ['null id', (t) => t.decode([null]), TokenizerError, /^ids\[0\] is null, not a token id/],
      [
        'past the vocabulary',
        (t) => t.decode([1, tok.fullVocabSize]),
        TokenizerError,
        new RegExp(`^ids\\[1\\] is ${tok.fullVocabSize}, which is not a token id \\(the vocabulary has ${tok.fullVocabSize} tokens\\)$`),
      ],
      ['far past the vocabulary', (t) => t.decode([2 ** 40]), TokenizerError, /^ids\[0\] is 1099511627776, which is not a token id/],
      ['sparse ids', (t) => t.decode([, 1]), TokenizerError, /^ids\[0\] is missing \(sparse array\)$/],
      ['a batch given to decode', (t) => t.decode([[1, 2], [3]]), TokenizerError, /^ids\[0\] is an array, not a token id \(decode takes one sequence of ids; batchDecode takes several\)$/],
      ['a string of ids', (t) => t.decode('1 2'), TokenizerError, /^ids must be an array of token ids, got the string "1 2"$/],
      ['a number', (t) => t.decode(5), TokenizerError, /^ids must be an array of token ids, got 5$/],
      ['null', (t) => t.decode(null), TokenizerError, /^ids must be an array of token ids, got null$/],
      ['nothing', (t) => t.decode(), TokenizerError, /^ids must be an array of token ids, got undefined$/],
      ['a DataView', (t) => t.decode(new DataView(new ArrayBuffer(8))), TokenizerError, /^ids must be an array of token ids, got an object \(DataView\)$/],
      ['convertIdsToTokens: NaN', (t) => t.convertIdsToTokens([NaN]), TokenizerError, /^ids\[0\] is NaN, not a token id/],
      ['convertIdsToTokens: past the vocabulary', (t) => t.convertIdsToTokens([tok.fullVocabSize]), TokenizerError, /which is not a token id/],
      ['batchDecode: flat ids', (t) => t.batchDecode([1, 2]), TokenizerError, /^batch\[0\] must be an array of token ids, got 1$/],
      ['batchDecode: NaN', (t) => t.batchDecode([[1], [2, NaN]]), TokenizerError, /^batch\[1\]\[1\] is NaN, not a token id/],
      ['batchDecode: BigInt', (t) => t.batchDecode([[1n]]), TokenizerError, /^batch\[0\]\[0\] is the BigInt 1n/],
      ['batchDecode: too deep', (t) => t.batchDecode([[[1]]]), TokenizerError, /^batch\[0\]\[0\] is an array, not a token id$/],
      ['batchDecode: sparse', (t) => t.batchDecode([, [1]]), TokenizerError, /^batch\[0\] is missing \(sparse array\)$/],
      ['batchDecode: not an array', (t) => t.batchDecode('x'), TokenizerError, /^batch must be an array of id arrays, got the string "x"$/],
    ];
    for (const tok of [fast, slow, v1]) {
      for (const [name, run, error, message] of cases(tok)) {
        const e = thrown(() => run(tok as unknown as Untyped));
        expect(e, `${name} (${tok.vocabType}, ${tok.semantics})`).toBeInstanceOf(error);
        expect((e as Error).message, name).toMatch(message);
      }
    }
  });

  it('accepts every id of the vocabulary, from arrays and integer typed arrays', () => {
    for (const tok of [fast, slow, v1]) {
      const ids = tok.encode('Hello world');
      expect(tok.decode(Int32Array.from(ids) as unknown as number[])).toBe(tok.decode(ids));
      expect(tok.batchDecode([Uint32Array.from(ids) as unknown as number[], []])).toEqual([tok.decode(ids), '']);
      expect(tok.convertIdsToTokens([0, tok.fullVocabSize - 1])).toEqual([tok.padToken, tok.maskToken]);
    }
  });
});

describe('size bounds', () => {
  it('are 2^20 tokens per padded row and 2^24 padding tokens per call', () => {
    expect([MAX_SEQUENCE_LENGTH, MAX_PADDING_TOKENS]).toEqual([1048576, 16777216]);
  });

  it('refuse absurd padding at once, naming the option and the bound', () => {
    const started = performance.now();
    check([
      ['padToMultipleOf 1e9', (t) => t(['a'], { padding: true, padToMultipleOf: 1e9 }), TokenizerError, /^tokenizer call: padToMultipleOf 1000000000 is more than MAX_SEQUENCE_LENGTH \(1048576\)/],
      ['padToMultipleOf just past the bound', (t) => t('a', { padding: true, padToMultipleOf: MAX_SEQUENCE_LENGTH + 1 }), TokenizerError, /padToMultipleOf 1048577 is more than MAX_SEQUENCE_LENGTH/],
      [
        'max_length 1e8',
        (t) => t(['a'], { padding: 'max_length', maxLength: 1e8 }),
        TokenizerError,
        /^tokenizer call: padding: 'max_length' with maxLength 100000000 would pad every row past MAX_SEQUENCE_LENGTH \(1048576\)/,
      ],
      ['max_length just past the bound', (t) => t('a', 'b', { padding: 'max_length', maxLength: MAX_SEQUENCE_LENGTH + 1, truncation: true }), TokenizerError, /maxLength 1048577 would pad every row past MAX_SEQUENCE_LENGTH/],
      [
        'max_length rounded up past the bound',
        (t) => t('a', { padding: 'max_length', maxLength: MAX_SEQUENCE_LENGTH - 1, padToMultipleOf: MAX_SEQUENCE_LENGTH / 2 + 1 }),
        TokenizerError,
        /^tokenizer call: padding: 'max_length' with maxLength 1048575, rounded up to a multiple of padToMultipleOf 524289, would pad rows to 1048578 tokens, more than MAX_SEQUENCE_LENGTH \(1048576\)/,
      ],
      [
        'padToMultipleOf over a batch',
        (t) => t(new Array<string>(17).fill('a'), { padding: true, padToMultipleOf: MAX_SEQUENCE_LENGTH }),
        TokenizerError,
        // 17 rows of [CLS] a [SEP] padded to 2^20: 17 * (2^20 - 3) padding tokens.
        /^tokenizer call: padding to the longest row \(3 tokens\), rounded up to a multiple of padToMultipleOf 1048576, would add 17825741 padding tokens to 17 rows, more than MAX_PADDING_TOKENS \(16777216\)/,
      ],
      [
        'max_length over a batch',
        (t) => t(new Array<string>(65).fill('a'), { padding: 'max_length', maxLength: 1 << 18 }),
        TokenizerError,
        // 65 rows of 3 tokens padded to 2^18: 65 * (2^18 - 3) padding tokens.
        /padding: 'max_length' with maxLength 262144 would add 17039165 padding tokens to 65 rows, more than MAX_PADDING_TOKENS/,
      ],
    ]);
    // Nothing was allocated or padded: the 21 refusals above take microseconds each, not seconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuse max_length padding to a huge modelMaxLength, naming maxLength', async () => {
    const tok = await AutoTokenizer.fromPretrained(V3, { modelMaxLength: 1e9 });
    expect(tok('a', { truncation: true }).inputIds).toEqual([[1, 266, 2]]);
    const e = thrown(() => tok(['a'], { padding: 'max_length' }));
    expect(e).toBeInstanceOf(TokenizerError);
    expect((e as Error).message).toMatch(/padding: 'max_length' with maxLength \(not given, so modelMaxLength\) 1000000000 would pad every row past MAX_SEQUENCE_LENGTH/);
  });

  it('allow padding right up to the bounds', () => {
    const row = fast('a', { padding: true, padToMultipleOf: MAX_SEQUENCE_LENGTH }).inputIds[0];
    expect(row.length).toBe(MAX_SEQUENCE_LENGTH);
    expect(row.slice(0, 4)).toEqual([1, 266, 2, 0]);
    const rows = fast(['a', 'b'], { padding: 'max_length', maxLength: MAX_SEQUENCE_LENGTH, returnSpecialTokensMask: true });
    expect(rows.attentionMask.map((r) => [r.length, r.reduce((x, y) => x + y, 0)])).toEqual([[MAX_SEQUENCE_LENGTH, 3], [MAX_SEQUENCE_LENGTH, 3]]);
    // A large maxLength costs nothing when it only limits truncation (question answering passes this one).
    expect(fast('Hello world', { truncation: false, maxLength: Number.MAX_SAFE_INTEGER, addSpecialTokens: false }).inputIds).toEqual([[5365, 447]]);
    expect(fast('Hello world', { truncation: true, maxLength: Number.MAX_SAFE_INTEGER }).inputIds).toEqual([[1, 5365, 447, 2]]);
  });

  it('limit padding, not text: a row past the bound that needs no padding is returned whole', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    // One token per "a ": [CLS] + 2^20 tokens + [SEP].
    const long = 'a '.repeat(MAX_SEQUENCE_LENGTH);
    const alone = fast([long], { padding: true, returnOffsets: true });
    expect(alone.inputIds[0].length).toBe(MAX_SEQUENCE_LENGTH + 2);
    expect(alone.offsets?.[0]).toHaveLength(MAX_SEQUENCE_LENGTH + 2);
    // Padding a shorter row up to it, or the long row itself to a multiple, would produce rows past the bound.
    const refusals: Array<[() => unknown, RegExp]> = [
      [() => fast([long, 'b'], { padding: true }), /^tokenizer call: padding to the longest row \(1048578 tokens\) would pad rows to 1048578 tokens, more than MAX_SEQUENCE_LENGTH \(1048576\); truncate, /],
      [() => fast([long], { padding: true, padToMultipleOf: 8 }), /^tokenizer call: padding to the longest row \(1048578 tokens\), rounded up to a multiple of padToMultipleOf 8, would pad rows to 1048584 tokens/],
    ];
    for (const [run, message] of refusals) {
      const e = thrown(run);
      expect(e).toBeInstanceOf(TokenizerError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('tokenize a 10 MB text with truncation on, and whole with padding off', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sentence = 'The quick brown fox jumps over the lazy dog. Höhere Gewalt! 東京 ';
    const big = sentence.repeat(Math.ceil(10e6 / sentence.length));
    expect(big.length).toBeGreaterThanOrEqual(10e6);
    const head = fast.encode(sentence.repeat(60), undefined, { addSpecialTokens: false });
    const truncated = fast(big, { truncation: true, padding: 'max_length' });
    expect(truncated.inputIds[0]).toEqual([1, ...head.slice(0, 510), 2]);
    const whole = fast(big).inputIds[0];
    expect(whole.length).toBeGreaterThan(MAX_SEQUENCE_LENGTH);
    expect(whole.slice(0, 511)).toEqual([1, ...head.slice(0, 510)]);
    expect(whole.at(-1)).toBe(2);
  });
});
