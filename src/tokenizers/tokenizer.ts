import { TokenizerError } from '../errors.js';
import type { Backend, Semantics } from './backend.js';
import type { Encoding } from './encoding.js';
import { TokenSink } from './sink.js';
import { truncate, type TruncationStrategy } from './truncation.js';
import { toWellFormed } from './unicode.js';

/** `padding` option: `true`/`'longest'` pads to the longest in the batch, `'max_length'` to `maxLength`. */
export type PaddingOption = boolean | 'longest' | 'max_length' | 'do_not_pad';
/** `truncation` option: `true` means `'longest_first'`. */
export type TruncationOption = boolean | TruncationStrategy | 'do_not_truncate';

/** Options of a tokenizer call (transformers' names in camelCase). */
export interface TokenizerCallOptions {
  padding?: PaddingOption;
  /**
   * Defaults to off, except that giving `maxLength` without `truncation` and without `padding` truncates
   * with `'longest_first'` (transformers does the same, with a warning).
   */
  truncation?: TruncationOption;
  /** Length limit for truncation and `padding: 'max_length'`; defaults to `modelMaxLength`. */
  maxLength?: number;
  padToMultipleOf?: number;
  /** Add `[CLS]`/`[SEP]` (default true). */
  addSpecialTokens?: boolean;
  /** Return `offsets`: [start, end) UTF-16 offsets into the input string of each token; [0, 0] for added tokens. */
  returnOffsets?: boolean;
  /** Return `specialTokensMask` (1 for [CLS], [SEP] and padding). */
  returnSpecialTokensMask?: boolean;
}

/** What a tokenizer call returns: always batched, one row per input text (or pair). */
export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  offsets?: Array<Array<[number, number]>>;
  specialTokensMask?: number[][];
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** Drop special tokens ([CLS], [SEP], [PAD], [UNK], [MASK], ...). Default false. */
  skipSpecialTokens?: boolean;
  /**
   * Remove spaces before `. , ! ?` and contractions, as transformers' `clean_up_tokenization`. Defaults to
   * `clean_up_tokenization_spaces` from tokenizer_config.json, else false.
   */
  cleanUpTokenizationSpaces?: boolean;
}

/** Per-tokenizer settings from the config files. */
export interface TokenizerSettings {
  modelMaxLength: number;
  cleanUpTokenizationSpaces: boolean;
  paddingSide: 'left' | 'right';
  truncationSide: 'left' | 'right';
  cls: string;
  sep: string;
  pad: string;
  unk: string;
  mask: string;
}

/**
 * A DeBERTa tokenizer. Call it like transformers' tokenizers:
 * `tokenizer('text')`, `tokenizer('a', 'b')`, `tokenizer(['t1', 't2'])`, `tokenizer(['a1', 'a2'], ['b1', 'b2'])`,
 * each with optional {@link TokenizerCallOptions}. The result is always batched and can be passed to a
 * model's `forward` as is.
 *
 * Input rules: texts must be strings (anything else throws a `TokenizerError`); the empty string gives just
 * `[CLS] [SEP]`; a lone surrogate (not valid Unicode, so it has no UTF-8 form) is tokenized as U+FFFD, as
 * `TextEncoder` and the Rust bindings do, and offsets still index the original string; a sequence longer
 * than {@link DebertaTokenizer.modelMaxLength} without truncation is returned whole with a one-time
 * `console.warn`, as transformers does (the model then rejects it; pass `truncation: true` to cut it).
 */
export interface DebertaTokenizer {
  (text: string | readonly string[], options?: TokenizerCallOptions): BatchEncoding;
  (text: string, pair: string, options?: TokenizerCallOptions): BatchEncoding;
  (texts: readonly string[], pairs: readonly string[], options?: TokenizerCallOptions): BatchEncoding;
  /** Ids of one text (or pair), with special tokens unless `addSpecialTokens: false`. */
  encode(text: string, pair?: string, options?: Omit<TokenizerCallOptions, 'padding' | 'returnOffsets'>): number[];
  /** Token strings of one text, without special tokens. */
  tokenize(text: string): string[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  batchDecode(batch: readonly (readonly number[])[], options?: DecodeOptions): string[];
  convertIdsToTokens(ids: readonly number[]): string[];
  convertTokensToIds(tokens: readonly string[]): number[];
  /** 'slow' = sentencepiece / transformers Python semantics, 'fast' = Rust `tokenizers` semantics. */
  readonly semantics: Semantics;
  /** 'spm' for DeBERTa v2/v3, 'bpe' for v1. */
  readonly vocabType: 'spm' | 'bpe';
  /** Sequences longer than this (special tokens included) trigger a warning unless truncated. */
  readonly modelMaxLength: number;
  /** Size of the base vocabulary (transformers' `vocab_size`, without added tokens such as v3's `[MASK]`). */
  readonly vocabSize: number;
  /** Number of ids including added tokens (transformers' `len(tokenizer)`). */
  readonly fullVocabSize: number;
  readonly clsToken: string;
  readonly clsTokenId: number;
  readonly sepToken: string;
  readonly sepTokenId: number;
  readonly padToken: string;
  readonly padTokenId: number;
  readonly unkToken: string;
  readonly unkTokenId: number;
  readonly maskToken: string;
  readonly maskTokenId: number;
  /** Ids that `skipSpecialTokens` removes. */
  readonly allSpecialIds: readonly number[];
  readonly paddingSide: 'left' | 'right';
  readonly truncationSide: 'left' | 'right';
}

const LONG_WARNING =
  'Token indices sequence length is longer than the specified maximum sequence length for this model ' +
  '(%LEN% > %MAX%). Running this sequence through the model will result in indexing errors';
const TRUNCATION_WARNING =
  'Truncation was not explicitly activated but `max_length` is provided a specific value, please use ' +
  "`truncation=True` to explicitly truncate examples to max length. Defaulting to 'longest_first' " +
  'truncation strategy.';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

function checkTexts(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    v.forEach((t, i) => {
      if (typeof t !== 'string') throw new TokenizerError(`${what}[${i}] must be a string, got ${describe(t)}`);
    });
    return v as string[];
  }
  throw new TokenizerError(`${what} must be a string or an array of strings, got ${describe(v)}`);
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new TokenizerError(`${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** transformers' `clean_up_tokenization`. */
export function cleanUpTokenization(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** The implementation behind the callable {@link DebertaTokenizer}. */
class TokenizerCore {
  private warnedLength = false;
  private warnedTruncation = false;
  readonly ids: Record<'cls' | 'sep' | 'pad' | 'unk' | 'mask', number>;

  constructor(
    readonly backend: Backend,
    readonly settings: TokenizerSettings,
  ) {
    const id = (t: string, role: string): number => {
      const v = backend.tokenToId(t);
      if (v === undefined) throw new TokenizerError(`${role} token ${JSON.stringify(t)} is not in the vocabulary`);
      return v;
    };
    this.ids = {
      cls: id(settings.cls, 'cls'),
      sep: id(settings.sep, 'sep'),
      pad: id(settings.pad, 'pad'),
      unk: id(settings.unk, 'unk'),
      mask: id(settings.mask, 'mask'),
    };
  }

  /** Tokens of one text without special tokens; lone surrogates become U+FFFD first. */
  encodeText(text: string): TokenSink {
    const sink = new TokenSink();
    this.backend.encode(toWellFormed(text), sink);
    return sink;
  }

  call(text: unknown, pairOrOptions?: unknown, maybeOptions?: unknown): BatchEncoding {
    let pairs: unknown;
    let options: unknown;
    if (typeof pairOrOptions === 'string' || Array.isArray(pairOrOptions)) {
      pairs = pairOrOptions;
      options = maybeOptions;
    } else if (pairOrOptions === undefined || pairOrOptions === null) {
      options = maybeOptions;
    } else if (typeof pairOrOptions === 'object') {
      if (maybeOptions !== undefined) throw new TokenizerError('the second argument must be the pair text(s) when options follow');
      options = pairOrOptions;
    } else throw new TokenizerError(`the pair must be a string or an array of strings, got ${describe(pairOrOptions)}`);
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw new TokenizerError(`options must be an object, got ${describe(options)}`);
    }
    const opts = (options ?? {}) as TokenizerCallOptions;
    const texts = checkTexts(text, 'text');
    let pairTexts: string[] | null = null;
    if (pairs !== undefined) {
      if (typeof text === 'string' !== (typeof pairs === 'string')) {
        throw new TokenizerError('text and pair must both be strings or both be arrays');
      }
      pairTexts = checkTexts(pairs, 'pair');
      if (pairTexts.length !== texts.length) {
        throw new TokenizerError(`got ${texts.length} texts but ${pairTexts.length} pairs`);
      }
    }
    const encodings = texts.map((t, i) => this.encodeOne(t, pairTexts ? pairTexts[i] : null, opts));
    return this.batch(encodings, opts);
  }

  private truncationOf(opts: TokenizerCallOptions): TruncationStrategy | null {
    const t = opts.truncation;
    if (t === undefined) {
      const padding = opts.padding ?? false;
      if (opts.maxLength === undefined || (padding !== false && padding !== 'do_not_pad')) return null;
      if (!this.warnedTruncation) {
        this.warnedTruncation = true;
        console.warn(TRUNCATION_WARNING);
      }
      return 'longest_first';
    }
    if (t === false || t === 'do_not_truncate') return null;
    if (t === true) return 'longest_first';
    if (t === 'longest_first' || t === 'only_first' || t === 'only_second') return t;
    throw new TokenizerError(`truncation must be true, false, 'longest_first', 'only_first' or 'only_second', got ${String(t)}`);
  }

  encodeOne(text: string, pair: string | null, opts: TokenizerCallOptions): Encoding {
    if (opts.maxLength !== undefined) positiveInt(opts.maxLength, 'maxLength');
    const addSpecial = opts.addSpecialTokens ?? true;
    const a = this.encodeText(text);
    const b = pair === null ? null : this.encodeText(pair);
    const strategy = this.truncationOf(opts);
    const pp = this.backend.postProcessor;
    const added = addSpecial ? pp.added(b !== null) : 0;
    if (strategy) {
      const max = opts.maxLength ?? this.settings.modelMaxLength;
      if (max < added) throw new TokenizerError(`maxLength ${max} is shorter than the ${added} special tokens`);
      truncate(a, b, max - added, strategy, this.backend.semantics, this.settings.truncationSide);
    }
    const plain = (s: TokenSink): Encoding => ({
      ids: s.ids,
      typeIds: new Array<number>(s.length).fill(0),
      specialMask: new Array<number>(s.length).fill(0),
      starts: s.starts,
      ends: s.ends,
    });
    let enc: Encoding;
    if (addSpecial) enc = pp.process(plain(a), b ? plain(b) : null);
    else if (b) {
      const ea = plain(a);
      const eb = plain(b);
      enc = {
        ids: [...ea.ids, ...eb.ids],
        typeIds: [...ea.typeIds, ...eb.typeIds],
        specialMask: [...ea.specialMask, ...eb.specialMask],
        starts: [...ea.starts, ...eb.starts],
        ends: [...ea.ends, ...eb.ends],
      };
    } else enc = plain(a);
    if (!strategy && opts.maxLength === undefined && enc.ids.length > this.settings.modelMaxLength && !this.warnedLength) {
      // Like transformers: warn once, never truncate silently; the model rejects the over-long input.
      this.warnedLength = true;
      console.warn(LONG_WARNING.replace('%LEN%', String(enc.ids.length)).replace('%MAX%', String(this.settings.modelMaxLength)));
    }
    return enc;
  }

  private batch(encodings: Encoding[], opts: TokenizerCallOptions): BatchEncoding {
    const p = opts.padding ?? false;
    if (![true, false, 'longest', 'max_length', 'do_not_pad'].includes(p)) {
      throw new TokenizerError(`padding must be true, false, 'longest' or 'max_length', got ${String(p)}`);
    }
    let target = 0;
    if (p === true || p === 'longest') for (const e of encodings) target = Math.max(target, e.ids.length);
    else if (p === 'max_length') target = opts.maxLength ?? this.settings.modelMaxLength;
    if (target > 0 && opts.padToMultipleOf !== undefined) {
      const m = positiveInt(opts.padToMultipleOf, 'padToMultipleOf');
      target = Math.ceil(target / m) * m;
    }
    const out: BatchEncoding = { inputIds: [], attentionMask: [], tokenTypeIds: [] };
    if (opts.returnOffsets) out.offsets = [];
    if (opts.returnSpecialTokensMask) out.specialTokensMask = [];
    const left = this.settings.paddingSide === 'left';
    for (const e of encodings) {
      const n = Math.max(0, target - e.ids.length);
      const pad = (row: number[], v: number): number[] => {
        if (n === 0) return row;
        const fill = new Array<number>(n).fill(v);
        return left ? fill.concat(row) : row.concat(fill);
      };
      out.inputIds.push(pad(e.ids, this.ids.pad));
      out.attentionMask.push(pad(new Array<number>(e.ids.length).fill(1), 0));
      out.tokenTypeIds.push(pad(e.typeIds, 0));
      if (out.specialTokensMask) out.specialTokensMask.push(pad(e.specialMask, 1));
      if (out.offsets) {
        const offs = e.starts.map((s, i): [number, number] => [s, e.ends[i]]);
        const fill = Array.from({ length: n }, (): [number, number] => [0, 0]);
        out.offsets.push(left ? fill.concat(offs) : offs.concat(fill));
      }
    }
    return out;
  }

  encode(text: unknown, pair?: unknown, options?: unknown): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`text must be a string, got ${describe(text)}`);
    if (pair !== undefined && pair !== null && typeof pair !== 'string') {
      throw new TokenizerError(`pair must be a string, got ${describe(pair)}`);
    }
    return this.encodeOne(text, (pair as string | undefined) ?? null, (options ?? {}) as TokenizerCallOptions).ids;
  }

  tokenize(text: unknown): string[] {
    if (typeof text !== 'string') throw new TokenizerError(`text must be a string, got ${describe(text)}`);
    return this.encodeText(text).ids.map((id) => this.backend.idToToken(id) as string);
  }

  private checkIds(ids: unknown, what: string): number[] {
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) throw new TokenizerError(`${what} must be an array of ids, got ${describe(ids)}`);
    const list = Array.from(ids as ArrayLike<unknown>);
    list.forEach((id, i) => {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || this.backend.idToToken(id) === undefined) {
        throw new TokenizerError(`${what}[${i}] = ${String(id)} is not a token id (vocabulary has ${this.backend.fullVocabSize})`);
      }
    });
    return list as number[];
  }

  decode(ids: unknown, options?: DecodeOptions): string {
    const list = this.checkIds(ids, 'ids');
    const text = this.backend.decode(list, options?.skipSpecialTokens ?? false);
    const clean = options?.cleanUpTokenizationSpaces ?? this.settings.cleanUpTokenizationSpaces;
    return clean ? cleanUpTokenization(text) : text;
  }

  batchDecode(batch: unknown, options?: DecodeOptions): string[] {
    if (!Array.isArray(batch)) throw new TokenizerError(`batch must be an array of id arrays, got ${describe(batch)}`);
    return batch.map((ids) => this.decode(ids, options));
  }

  convertIdsToTokens(ids: unknown): string[] {
    return this.checkIds(ids, 'ids').map((id) => this.backend.idToToken(id) as string);
  }

  convertTokensToIds(tokens: unknown): number[] {
    return checkTexts(tokens, 'tokens').map((t) => this.backend.tokenToId(t) ?? this.ids.unk);
  }
}

/** Wraps a backend into the callable {@link DebertaTokenizer}. */
export function createTokenizer(backend: Backend, settings: TokenizerSettings): DebertaTokenizer {
  const core = new TokenizerCore(backend, settings);
  const fn = (text: unknown, pair?: unknown, options?: unknown): BatchEncoding => core.call(text, pair, options);
  const value = (v: unknown): PropertyDescriptor => ({ value: v, enumerable: true });
  Object.defineProperties(fn, {
    encode: value(core.encode.bind(core)),
    tokenize: value(core.tokenize.bind(core)),
    decode: value(core.decode.bind(core)),
    batchDecode: value(core.batchDecode.bind(core)),
    convertIdsToTokens: value(core.convertIdsToTokens.bind(core)),
    convertTokensToIds: value(core.convertTokensToIds.bind(core)),
    semantics: value(backend.semantics),
    vocabType: value(backend.kind),
    modelMaxLength: value(settings.modelMaxLength),
    vocabSize: value(backend.vocabSize),
    fullVocabSize: value(backend.fullVocabSize),
    clsToken: value(settings.cls),
    clsTokenId: value(core.ids.cls),
    sepToken: value(settings.sep),
    sepTokenId: value(core.ids.sep),
    padToken: value(settings.pad),
    padTokenId: value(core.ids.pad),
    unkToken: value(settings.unk),
    unkTokenId: value(core.ids.unk),
    maskToken: value(settings.mask),
    maskTokenId: value(core.ids.mask),
    allSpecialIds: value(Object.freeze([...backend.specialIds].sort((x, y) => x - y))),
    paddingSide: value(settings.paddingSide),
    truncationSide: value(settings.truncationSide),
  });
  return fn as unknown as DebertaTokenizer;
}
