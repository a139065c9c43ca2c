import { InputError, TokenizerError } from '../errors.js';
import { boolOption, checkOptions, describe, intOption, type OptionKeys } from '../options.js';
import type { Encoding } from './encoding.js';
import type { Semantics, TokenizerEngine } from './engine.js';
import { toWellFormed } from './text/unicode.js';
import { TokenSink } from './token-sink.js';
import { truncate, type TruncationStrategy } from './truncation.js';

/** `padding` option: `true`/`'longest'` pads to the longest in the batch, `'max_length'` to `maxLength`. */
export type PaddingOption = boolean | 'longest' | 'max_length' | 'do_not_pad';
/** `truncation` option: `true` means `'longest_first'`. */
export type TruncationOption = boolean | TruncationStrategy | 'do_not_truncate';

/**
 * The longest row, in tokens, that padding may produce (2^20). `padToMultipleOf` above it, or
 * `padding: 'max_length'` with a `maxLength` (or `modelMaxLength`) above it, is a `TokenizerError` before
 * anything is tokenized, and so is padding that would make any row longer. Text length is not limited: a
 * longer row that gets no padding (no padding asked, or the longest row of its batch) is returned whole.
 * DeBERTa is trained on 512 positions and its attention is quadratic in length, so no usable input is padded
 * to a million tokens, while a typo such as `padToMultipleOf: 1e9` would otherwise abort the process with an
 * out-of-memory error that cannot be caught.
 */
export const MAX_SEQUENCE_LENGTH = 1 << 20;

/**
 * The most padding tokens one call may add over its whole batch (2^24: about 0.6 GB of output arrays, 1.1 GB
 * with offsets, within the 2-4 GB default heap of Node on 64-bit machines). More is a `TokenizerError` naming
 * the padding option at fault, raised before the padding is allocated. Only added padding counts, so a batch
 * of long texts that needs little padding is not limited; a larger padded dataset is tokenized in chunks.
 */
export const MAX_PADDING_TOKENS = 1 << 24;

/** Options of a tokenizer call (transformers' names in camelCase). */
export interface TokenizerCallOptions {
  /** Off by default. Padding is bounded by {@link MAX_SEQUENCE_LENGTH} and {@link MAX_PADDING_TOKENS}. */
  padding?: PaddingOption;
  /**
   * Defaults to off, except that giving `maxLength` without `truncation` and without `padding` truncates
   * with `'longest_first'` (transformers does the same, with a warning).
   */
  truncation?: TruncationOption;
  /**
   * Length limit (a non-negative integer) for truncation and `padding: 'max_length'`; defaults to
   * `modelMaxLength`.
   */
  maxLength?: number;
  /** With padding on, round the padded length up to a multiple of this (a positive integer). */
  padToMultipleOf?: number;
  /** Add `[CLS]`/`[SEP]` (default true). */
  addSpecialTokens?: boolean;
  /** Return `offsets`: [start, end) UTF-16 offsets into the input string of each token; [0, 0] for added tokens. */
  returnOffsets?: boolean;
  /** Return `specialTokensMask` (1 for [CLS], [SEP] and padding). */
  returnSpecialTokensMask?: boolean;
}

/** Options of `encode`: the call options that matter for one unpadded sequence of ids. */
export type EncodeOptions = Pick<TokenizerCallOptions, 'truncation' | 'maxLength' | 'addSpecialTokens'>;

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
 * Input rules: texts must be strings (anything else, a hole in a sparse array included, throws a
 * `TokenizerError` naming the index); an options object with an unknown key or a value of the wrong type throws
 * an `InputError` naming the option; padding is bounded by {@link MAX_SEQUENCE_LENGTH} and
 * {@link MAX_PADDING_TOKENS}, text length is not; the empty string gives just
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
  encode(text: string, pair?: string, options?: EncodeOptions): number[];
  /** Token strings of one text, without special tokens. */
  tokenize(text: string): string[];
  /**
   * The text of one sequence of ids (an array or an integer typed array). An id that is not an integer of the
   * vocabulary (NaN, negative, fractional, a BigInt, past the last id) throws a `TokenizerError` naming its
   * index, where transformers' fast tokenizers would drop it silently.
   */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** {@link DebertaTokenizer.decode} of each sequence. */
  batchDecode(batch: readonly (readonly number[])[], options?: DecodeOptions): string[];
  /** The token of each id; ids are checked as in {@link DebertaTokenizer.decode}. */
  convertIdsToTokens(ids: readonly number[]): string[];
  /** The id of each token, `unkTokenId` for tokens not in the vocabulary. */
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

const CALL_OPTION_KEYS: OptionKeys<TokenizerCallOptions> = {
  padding: true,
  truncation: true,
  maxLength: true,
  padToMultipleOf: true,
  addSpecialTokens: true,
  returnOffsets: true,
  returnSpecialTokensMask: true,
};
const ENCODE_OPTION_KEYS: OptionKeys<EncodeOptions> = { truncation: true, maxLength: true, addSpecialTokens: true };
const DECODE_OPTION_KEYS: OptionKeys<DecodeOptions> = { skipSpecialTokens: true, cleanUpTokenizationSpaces: true };

/** A call's options, checked, with the defaults applied. */
interface CallPlan {
  /** Where errors say they come from (`tokenizer call`, `encode`). */
  where: string;
  padding: 'longest' | 'max_length' | null;
  truncation: TruncationStrategy | null;
  maxLength: number | undefined;
  padToMultipleOf: number | undefined;
  addSpecialTokens: boolean;
  returnOffsets: boolean;
  returnSpecialTokensMask: boolean;
}

function checkTexts(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    // An index loop, not forEach: forEach skips the holes of a sparse array, which then reach the engine.
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) throw new TokenizerError(`${what}[${i}] is missing (sparse array)`);
      const t: unknown = v[i];
      if (typeof t !== 'string') {
        const hint = Array.isArray(t) && what === 'text' ? ' (pairs go as two arrays: tokenizer(texts, pairs))' : '';
        throw new TokenizerError(`${what}[${i}] must be a string, got ${describe(t)}${hint}`);
      }
    }
    return v as string[];
  }
  throw new TokenizerError(`${what} must be a string or an array of strings, got ${describe(v)}`);
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
    readonly engine: TokenizerEngine,
    readonly settings: TokenizerSettings,
  ) {
    const id = (t: string, role: string): number => {
      const v = engine.tokenToId(t);
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
    this.engine.encode(toWellFormed(text), sink);
    return sink;
  }

  call(text: unknown, pairOrOptions?: unknown, maybeOptions?: unknown): BatchEncoding {
    let pairs: unknown;
    let options: unknown;
    if (typeof pairOrOptions === 'string' || Array.isArray(pairOrOptions)) {
      pairs = pairOrOptions;
      options = maybeOptions;
    } else if (pairOrOptions === undefined || (pairOrOptions === null && maybeOptions !== undefined)) {
      // `tokenizer(text, null, options)` is transformers' `text_pair=None`; a lone null is null options.
      options = maybeOptions;
    } else if (pairOrOptions === null) {
      options = null;
    } else if (typeof pairOrOptions === 'object') {
      if (maybeOptions !== undefined) throw new TokenizerError('the second argument must be the pair text(s) when options follow');
      options = pairOrOptions;
    } else throw new TokenizerError(`the pair must be a string or an array of strings, got ${describe(pairOrOptions)}`);
    const where = 'tokenizer call';
    const plan = this.plan(checkOptions(options as TokenizerCallOptions | undefined, CALL_OPTION_KEYS, where), where);
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
    const encodings = texts.map((t, i) => this.encodeOne(t, pairTexts ? pairTexts[i] : null, plan));
    return this.batch(encodings, plan);
  }

  /**
   * Checks every option value before anything is tokenized, so that a bad option in a large batch fails at
   * once, and resolves the defaults (including transformers' implicit truncation).
   */
  private plan(opts: TokenizerCallOptions, where: string): CallPlan {
    const p: unknown = opts.padding;
    let padding: CallPlan['padding'];
    if (p === undefined || p === false || p === 'do_not_pad') padding = null;
    else if (p === true || p === 'longest') padding = 'longest';
    else if (p === 'max_length') padding = 'max_length';
    else throw new InputError(`${where}: padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got ${describe(p)}`);
    const maxLength = intOption(opts.maxLength, 'maxLength', where, 0);
    const padToMultipleOf = intOption(opts.padToMultipleOf, 'padToMultipleOf', where, 1);
    if (padToMultipleOf !== undefined && padToMultipleOf > MAX_SEQUENCE_LENGTH) {
      throw new TokenizerError(
        `${where}: padToMultipleOf ${padToMultipleOf} is more than MAX_SEQUENCE_LENGTH (${MAX_SEQUENCE_LENGTH}), the longest row padding may produce`,
      );
    }
    if (padding === 'max_length') {
      const target = maxLength ?? this.settings.modelMaxLength;
      if (target > MAX_SEQUENCE_LENGTH) {
        const given = maxLength === undefined ? `maxLength (not given, so modelMaxLength) ${target}` : `maxLength ${target}`;
        throw new TokenizerError(
          `${where}: padding: 'max_length' with ${given} would pad every row past MAX_SEQUENCE_LENGTH (${MAX_SEQUENCE_LENGTH}), the longest row padding may produce`,
        );
      }
    }
    return {
      where,
      padding,
      truncation: this.truncationOf(opts.truncation, padding, maxLength, where),
      maxLength,
      padToMultipleOf,
      addSpecialTokens: boolOption(opts.addSpecialTokens, 'addSpecialTokens', where) ?? true,
      returnOffsets: boolOption(opts.returnOffsets, 'returnOffsets', where) ?? false,
      returnSpecialTokensMask: boolOption(opts.returnSpecialTokensMask, 'returnSpecialTokensMask', where) ?? false,
    };
  }

  private truncationOf(t: unknown, padding: CallPlan['padding'], maxLength: number | undefined, where: string): TruncationStrategy | null {
    if (t === undefined) {
      if (maxLength === undefined || padding !== null) return null;
      if (!this.warnedTruncation) {
        this.warnedTruncation = true;
        console.warn(TRUNCATION_WARNING);
      }
      return 'longest_first';
    }
    if (t === false || t === 'do_not_truncate') return null;
    if (t === true) return 'longest_first';
    if (t === 'longest_first' || t === 'only_first' || t === 'only_second') return t;
    throw new InputError(
      `${where}: truncation must be true, false, 'longest_first', 'only_first', 'only_second' or 'do_not_truncate', got ${describe(t)}`,
    );
  }

  encodeOne(text: string, pair: string | null, plan: CallPlan): Encoding {
    const addSpecial = plan.addSpecialTokens;
    const a = this.encodeText(text);
    const b = pair === null ? null : this.encodeText(pair);
    const strategy = plan.truncation;
    const pp = this.engine.postProcessor;
    const added = addSpecial ? pp.added(b !== null) : 0;
    if (strategy) {
      const max = plan.maxLength ?? this.settings.modelMaxLength;
      if (max < added) throw new TokenizerError(`maxLength ${max} is shorter than the ${added} special tokens`);
      truncate(a, b, max - added, strategy, this.engine.semantics, this.settings.truncationSide);
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
    if (!strategy && plan.maxLength === undefined && enc.ids.length > this.settings.modelMaxLength && !this.warnedLength) {
      // Like transformers: warn once, never truncate silently; the model rejects the over-long input.
      this.warnedLength = true;
      console.warn(LONG_WARNING.replace('%LEN%', String(enc.ids.length)).replace('%MAX%', String(this.settings.modelMaxLength)));
    }
    return enc;
  }

  private batch(encodings: Encoding[], plan: CallPlan): BatchEncoding {
    let base = 0;
    if (plan.padding === 'longest') for (const e of encodings) base = Math.max(base, e.ids.length);
    else if (plan.padding === 'max_length') base = plan.maxLength ?? this.settings.modelMaxLength;
    const m = plan.padToMultipleOf;
    const target = base > 0 && m !== undefined ? Math.ceil(base / m) * m : base;
    this.checkPadding(encodings, base, target, plan);
    const out: BatchEncoding = { inputIds: [], attentionMask: [], tokenTypeIds: [] };
    if (plan.returnOffsets) out.offsets = [];
    if (plan.returnSpecialTokensMask) out.specialTokensMask = [];
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

  /**
   * Refuses padding past {@link MAX_SEQUENCE_LENGTH} or {@link MAX_PADDING_TOKENS} before it is allocated.
   * Rows that are already at least `target` long add nothing, so a long text alone in its batch passes.
   */
  private checkPadding(encodings: readonly Encoding[], base: number, target: number, plan: CallPlan): void {
    let added = 0;
    for (const e of encodings) added += Math.max(0, target - e.ids.length);
    if (added === 0) return;
    const cause =
      (plan.padding === 'max_length' ? `padding: 'max_length' with maxLength ${base}` : `padding to the longest row (${base} tokens)`) +
      (target === base ? '' : `, rounded up to a multiple of padToMultipleOf ${plan.padToMultipleOf},`);
    const fix = 'truncate, use a smaller maxLength or padToMultipleOf, or pad fewer texts per call';
    if (target > MAX_SEQUENCE_LENGTH) {
      throw new TokenizerError(`${plan.where}: ${cause} would pad rows to ${target} tokens, more than MAX_SEQUENCE_LENGTH (${MAX_SEQUENCE_LENGTH}); ${fix}`);
    }
    if (added > MAX_PADDING_TOKENS) {
      throw new TokenizerError(
        `${plan.where}: ${cause} would add ${added} padding tokens to ${encodings.length} rows, more than MAX_PADDING_TOKENS (${MAX_PADDING_TOKENS}); ${fix}`,
      );
    }
  }

  encode(text: unknown, pair?: unknown, options?: unknown): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`text must be a string, got ${describe(text)}`);
    if (pair !== undefined && pair !== null && typeof pair !== 'string') {
      const hint = typeof pair === 'object' && !Array.isArray(pair) ? ' (options go third: encode(text, undefined, options))' : '';
      throw new TokenizerError(`pair must be a string, got ${describe(pair)}${hint}`);
    }
    const where = 'encode';
    const plan = this.plan(checkOptions(options as EncodeOptions | undefined, ENCODE_OPTION_KEYS, where), where);
    return this.encodeOne(text, (pair as string | undefined) ?? null, plan).ids;
  }

  tokenize(text: unknown): string[] {
    if (typeof text !== 'string') throw new TokenizerError(`text must be a string, got ${describe(text)}`);
    return this.encodeText(text).ids.map((id) => this.engine.idToToken(id) as string);
  }

  private checkIds(ids: unknown, what: string): number[] {
    // A DataView is an ArrayBuffer view too, but has no indexed elements: it would decode as nothing.
    if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
      throw new TokenizerError(`${what} must be an array of token ids, got ${describe(ids)}`);
    }
    const list = ids as ArrayLike<unknown>;
    const out = new Array<number>(list.length);
    for (let i = 0; i < list.length; i++) {
      if (!(i in list)) throw new TokenizerError(`${what}[${i}] is missing (sparse array)`);
      const id = list[i];
      if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && this.engine.idToToken(id) !== undefined) {
        out[i] = id;
        continue;
      }
      let why: string;
      if (Array.isArray(id)) why = `an array, not a token id${what === 'ids' ? ' (decode takes one sequence of ids; batchDecode takes several)' : ''}`;
      else if (typeof id === 'bigint') why = `${describe(id)}, not a token id (ids are numbers; convert with Number())`;
      else if (typeof id === 'number' && Number.isInteger(id) && id >= 0) {
        why = `${id}, which is not a token id (the vocabulary has ${this.engine.fullVocabSize} tokens)`;
      } else why = `${describe(id)}, not a token id (ids are non-negative integers)`;
      throw new TokenizerError(`${what}[${i}] is ${why}`);
    }
    return out;
  }

  private decodeOptions(options: unknown, where: string): { skip: boolean; clean: boolean } {
    const o = checkOptions(options as DecodeOptions | undefined, DECODE_OPTION_KEYS, where);
    return {
      skip: boolOption(o.skipSpecialTokens, 'skipSpecialTokens', where) ?? false,
      clean: boolOption(o.cleanUpTokenizationSpaces, 'cleanUpTokenizationSpaces', where) ?? this.settings.cleanUpTokenizationSpaces,
    };
  }

  private decodeChecked(ids: number[], opts: { skip: boolean; clean: boolean }): string {
    const text = this.engine.decode(ids, opts.skip);
    return opts.clean ? cleanUpTokenization(text) : text;
  }

  decode(ids: unknown, options?: unknown): string {
    const opts = this.decodeOptions(options, 'decode');
    return this.decodeChecked(this.checkIds(ids, 'ids'), opts);
  }

  batchDecode(batch: unknown, options?: unknown): string[] {
    const opts = this.decodeOptions(options, 'batchDecode');
    if (!Array.isArray(batch)) throw new TokenizerError(`batch must be an array of id arrays, got ${describe(batch)}`);
    // Every sequence is checked before any is decoded, so a bad id late in a large batch fails fast.
    const lists: number[][] = [];
    for (let i = 0; i < batch.length; i++) {
      if (!(i in batch)) throw new TokenizerError(`batch[${i}] is missing (sparse array)`);
      lists.push(this.checkIds(batch[i], `batch[${i}]`));
    }
    return lists.map((ids) => this.decodeChecked(ids, opts));
  }

  convertIdsToTokens(ids: unknown): string[] {
    return this.checkIds(ids, 'ids').map((id) => this.engine.idToToken(id) as string);
  }

  convertTokensToIds(tokens: unknown): number[] {
    return checkTexts(tokens, 'tokens').map((t) => this.engine.tokenToId(t) ?? this.ids.unk);
  }
}

/** Wraps an engine into the callable {@link DebertaTokenizer}. */
export function createTokenizer(engine: TokenizerEngine, settings: TokenizerSettings): DebertaTokenizer {
  const core = new TokenizerCore(engine, settings);
  const fn = (text: unknown, pair?: unknown, options?: unknown): BatchEncoding => core.call(text, pair, options);
  const value = (v: unknown): PropertyDescriptor => ({ value: v, enumerable: true });
  Object.defineProperties(fn, {
    encode: value(core.encode.bind(core)),
    tokenize: value(core.tokenize.bind(core)),
    decode: value(core.decode.bind(core)),
    batchDecode: value(core.batchDecode.bind(core)),
    convertIdsToTokens: value(core.convertIdsToTokens.bind(core)),
    convertTokensToIds: value(core.convertTokensToIds.bind(core)),
    semantics: value(engine.semantics),
    vocabType: value(engine.vocabType),
    modelMaxLength: value(settings.modelMaxLength),
    vocabSize: value(engine.vocabSize),
    fullVocabSize: value(engine.fullVocabSize),
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
    allSpecialIds: value(Object.freeze([...engine.specialIds].sort((x, y) => x - y))),
    paddingSide: value(settings.paddingSide),
    truncationSide: value(settings.truncationSide),
  });
  return fn as unknown as DebertaTokenizer;
}
