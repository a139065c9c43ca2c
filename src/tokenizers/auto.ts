import { InputError, TokenizerError } from '../errors.js';
import { where, type FileSource } from '../io/file-source.js';
import { LOAD_OPTION_KEYS, type LoadOptions } from '../io/load-options.js';
import { resolveSource } from '../io/resolve.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { fastBpeEngine, slowBpeEngine } from './bpe/engines.js';
import { parseMerges, parseVocabJson } from './bpe/vocab-files.js';
import { parseHfConfig, type HfTokenizerConfig } from './config.js';
import type { Semantics, TokenizerEngine } from './engine.js';
import { fastSpmEngine, slowSpmEngine } from './sentencepiece/engines.js';
import { parseSpmModel } from './sentencepiece/spm-model.js';
import { createTokenizer, type DebertaTokenizer } from './tokenizer.js';
import { engineFromTokenizerJson } from './tokenizer-json/parse.js';

/** A source without any tokenizer file (callers such as GLiNER then fall back to another source). */
export class NoTokenizerFilesError extends TokenizerError {}

/** Options of {@link AutoTokenizer.fromPretrained}. */
export interface TokenizerLoadOptions extends LoadOptions {
  /**
   * Which reference to reproduce.
   * - `'fast'` (default): Hugging Face's Rust `tokenizers`, i.e. what transformers' `AutoTokenizer` returns
   *   by default. It reads tokenizer.json, or, when a checkpoint has only spm.model (the official
   *   microsoft/deberta-v3-* repositories) or vocab.json + merges.txt, builds the same pipeline
   *   transformers' converter would. Characters with no vocabulary piece become `[UNK]`.
   * - `'slow'`: transformers' Python tokenizers (`DebertaV2Tokenizer` over the sentencepiece library, or
   *   `DebertaTokenizer` for v1); needs spm.model or vocab.json + merges.txt. Unknown characters fall back
   *   to UTF-8 byte pieces, and normalization follows sentencepiece exactly.
   *
   * The default is `'fast'` because it is what `AutoTokenizer.from_pretrained` in transformers gives for
   * every DeBERTa checkpoint (it converts spm.model when tokenizer.json is absent), so ids match a
   * transformers-based pipeline out of the box. Choose `'slow'` to match code that uses
   * `DebertaV2Tokenizer` or sentencepiece directly (e.g. Microsoft's original DeBERTa code).
   */
  semantics?: Semantics;
  /** Overrides `model_max_length` (a positive integer; default: tokenizer_config.json's value, else 512). */
  modelMaxLength?: number;
}

/** Every key of {@link TokenizerLoadOptions}, e.g. to pick the tokenizer's options out of a larger options object. */
export const TOKENIZER_LOAD_OPTION_KEYS: OptionKeys<TokenizerLoadOptions> = mergeKeys<LoadOptions, Omit<TokenizerLoadOptions, keyof LoadOptions>>(
  LOAD_OPTION_KEYS,
  { semantics: true, modelMaxLength: true },
);

/** DeBERTa's trained sequence length; used when tokenizer_config.json gives none. */
const DEFAULT_MAX_LENGTH = 512;

async function readOptional(source: FileSource, file: string): Promise<Uint8Array | null> {
  return source.read(file);
}

function decodeText(bytes: Uint8Array, source: FileSource, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TokenizerError(`${where(source, file)}: not valid UTF-8`);
  }
}

function parseJson(bytes: Uint8Array, source: FileSource, file: string): unknown {
  const text = decodeText(bytes, source, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${where(source, file)}: invalid JSON (${(e as Error).message})`);
  }
}

/** Runs `build`, prefixing any tokenizer error with the file it came from. */
function fromFile<T>(source: FileSource, file: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof TokenizerError && !e.message.startsWith(where(source, file))) {
      throw new TokenizerError(`${where(source, file)}: ${e.message}`);
    }
    throw e;
  }
}

async function optionalJson(source: FileSource, file: string): Promise<unknown> {
  const bytes = await readOptional(source, file);
  return bytes === null ? null : parseJson(bytes, source, file);
}

async function loadEngine(source: FileSource, semantics: Semantics | undefined, cfg: HfTokenizerConfig): Promise<TokenizerEngine> {
  if (semantics !== 'slow') {
    const tj = await readOptional(source, 'tokenizer.json');
    if (tj !== null) {
      const json = parseJson(tj, source, 'tokenizer.json');
      return fromFile(source, 'tokenizer.json', () => engineFromTokenizerJson(json));
    }
  }
  const spm = await readOptional(source, 'spm.model');
  if (spm !== null) {
    const model = fromFile(source, 'spm.model', () => parseSpmModel(spm));
    return fromFile(source, 'spm.model', () => (semantics === 'slow' ? slowSpmEngine(model, cfg) : fastSpmEngine(model, cfg)));
  }
  const [vocabBytes, mergesBytes] = await Promise.all([readOptional(source, 'vocab.json'), readOptional(source, 'merges.txt')]);
  if (vocabBytes !== null && mergesBytes !== null) {
    const vocabJson = parseJson(vocabBytes, source, 'vocab.json');
    const vocab = fromFile(source, 'vocab.json', () => parseVocabJson(vocabJson));
    const mergesText = decodeText(mergesBytes, source, 'merges.txt');
    const merges = fromFile(source, 'merges.txt', () => parseMerges(mergesText));
    return fromFile(source, 'merges.txt', () =>
      semantics === 'slow' ? slowBpeEngine(vocab, merges, cfg) : fastBpeEngine(vocab, merges, cfg),
    );
  }
  const looked =
    semantics === 'slow'
      ? "spm.model or vocab.json + merges.txt; semantics 'slow' cannot use tokenizer.json"
      : 'tokenizer.json, spm.model or vocab.json + merges.txt';
  throw new NoTokenizerFilesError(`${source.name}: no tokenizer files found (looked for ${looked})`);
}

/** Loads DeBERTa tokenizers (v1, v2, v3) from a folder, URL or Hub id. */
export class AutoTokenizer {
  /**
   * Loads the tokenizer of a checkpoint: tokenizer.json if present, else spm.model (v2/v3), else
   * vocab.json + merges.txt (v1); tokenizer_config.json, special_tokens_map.json and added_tokens.json are
   * honoured (so `[MASK]` is 128000 in v3). See {@link TokenizerLoadOptions.semantics} for slow vs fast.
   *
   * @throws {InputError} when `options` has an unknown key or a value of the wrong type, or `source` is
   *   neither a path, URL, Hub id nor {@link FileSource} (the message names it).
   * @throws {TokenizerError} when no tokenizer file exists or a file is malformed (the message names it).
   */
  static async fromPretrained(source: string | URL | FileSource, options?: TokenizerLoadOptions): Promise<DebertaTokenizer> {
    const whereCall = 'AutoTokenizer.fromPretrained';
    options = checkOptions(options, TOKENIZER_LOAD_OPTION_KEYS, whereCall);
    const semantics: unknown = options.semantics;
    if (semantics !== undefined && semantics !== 'slow' && semantics !== 'fast') {
      throw new InputError(`${whereCall}: semantics must be 'slow' or 'fast', got ${describe(semantics)}`);
    }
    const max: unknown = options.modelMaxLength;
    if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max > 0)) {
      throw new InputError(`${whereCall}: modelMaxLength must be a positive integer, got ${describe(max)}`);
    }
    const src = await resolveSource(source, options);
    const [tc, sm, at] = await Promise.all([
      optionalJson(src, 'tokenizer_config.json'),
      optionalJson(src, 'special_tokens_map.json'),
      optionalJson(src, 'added_tokens.json'),
    ]);
    const cfg = fromFile(src, 'tokenizer_config.json', () => parseHfConfig(tc, sm, at));
    const engine = await loadEngine(src, semantics, cfg);
    return createTokenizer(engine, {
      modelMaxLength: options.modelMaxLength ?? cfg.modelMaxLength ?? DEFAULT_MAX_LENGTH,
      cleanUpTokenizationSpaces: cfg.cleanUpTokenizationSpaces ?? false,
      paddingSide: cfg.paddingSide,
      truncationSide: cfg.truncationSide,
      cls: cfg.special.cls?.content ?? '[CLS]',
      sep: cfg.special.sep?.content ?? '[SEP]',
      pad: cfg.special.pad?.content ?? '[PAD]',
      unk: cfg.special.unk?.content ?? '[UNK]',
      mask: cfg.special.mask?.content ?? '[MASK]',
    });
  }
}
