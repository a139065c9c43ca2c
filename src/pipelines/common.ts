import { InputError } from '../errors.js';
import type { DebertaConfig } from '../model/config.js';
import { describe, type OptionKeys } from '../options.js';
import { DEFAULT_MAX_TOKENS_PER_BATCH } from './batching.js';
import type { BatchEncoding, DebertaTokenizer, TokenizerCallOptions } from '../tokenizers/tokenizer.js';

/** Options every pipeline call accepts. */
export interface BatchOptions {
  /** Most sequences per forward pass (inputs are sorted by token length, then padded together); default 8. */
  batchSize?: number;
  /**
   * Most padded tokens per forward pass (sequences x the longest of them); default
   * {@link DEFAULT_MAX_TOKENS_PER_BATCH} (16384). A single sequence longer than this is an {@link InputError}.
   */
  maxTokensPerBatch?: number;
}

/** Every {@link BatchOptions} key, merged into each call's key list. */
export const BATCH_OPTION_KEYS: OptionKeys<BatchOptions> = { batchSize: true, maxTokensPerBatch: true };

/**
 * An integer option, `undefined` when absent. Checked before any default or `Math.min` is applied, because
 * JavaScript would otherwise coerce `'3'` to 3 in one place and compare it as a string in another.
 */
export function intOption(value: unknown, name: string, where: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new InputError(`${where}: ${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

/** A boolean option, `undefined` when absent; `'false'` or `0` would otherwise flip the meaning silently. */
export function boolOption(value: unknown, name: string, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InputError(`${where}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** An option with a fixed set of values, `undefined` when absent. */
export function choiceOption<T extends string | boolean>(value: unknown, name: string, choices: readonly T[], where: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly unknown[]).includes(value)) {
    const list = choices.map((c) => (typeof c === 'string' ? JSON.stringify(c) : String(c))).join(', ');
    throw new InputError(`${where}: ${name} must be one of ${list}, got ${describe(value)}`);
  }
  return value as T;
}

/** `batchSize`, checked, with the default of 8. */
export function batchSizeOf(options: BatchOptions, where: string): number {
  return intOption(options.batchSize, 'batchSize', where) ?? 8;
}

/** `batchSize` and `maxTokensPerBatch`, checked, with their defaults, as {@link planBatches} takes them. */
export function batchPlanOf(options: BatchOptions, where: string): { batchSize: number; maxTokens: number; where: string } {
  const batchSize = batchSizeOf(options, where);
  const maxTokens = intOption(options.maxTokensPerBatch, 'maxTokensPerBatch', where) ?? DEFAULT_MAX_TOKENS_PER_BATCH;
  return { batchSize, maxTokens, where };
}

/**
 * Token length of each text (or pair) as {@link encodeBatch} would encode it, special tokens included, to plan
 * batches by length. The texts are tokenized again per batch, which costs far less than a forward and keeps
 * each batch's encoding exactly what tokenizing it alone gives.
 */
export function tokenLengths(
  tokenizer: DebertaTokenizer,
  config: DebertaConfig,
  texts: string[],
  pairs: string[] | null,
  truncation: TokenizerCallOptions['truncation'],
): number[] {
  if (texts.length === 0) return [];
  return encodeBatch(tokenizer, config, texts, pairs, truncation, { padding: false }).inputIds.map((ids) => ids.length);
}

/** The longest sequence both the tokenizer and the model accept. */
export function sequenceLimit(config: DebertaConfig, tokenizer: DebertaTokenizer): number {
  const t = tokenizer.modelMaxLength;
  return Number.isFinite(t) && t > 0 ? Math.min(t, config.maxPositionEmbeddings) : config.maxPositionEmbeddings;
}

/**
 * Tokenizes texts (and pairs) as one padded batch, truncated to the model's limit unless `truncation` is
 * false (then an over-long text is an error from the model, as in transformers).
 */
export function encodeBatch(
  tokenizer: DebertaTokenizer,
  config: DebertaConfig,
  texts: string[],
  pairs: string[] | null,
  truncation: TokenizerCallOptions['truncation'],
  extra: TokenizerCallOptions = {},
): BatchEncoding {
  const options: TokenizerCallOptions = {
    padding: true,
    truncation,
    maxLength: truncation === false ? undefined : sequenceLimit(config, tokenizer),
    ...extra,
  };
  return pairs === null ? tokenizer(texts, options) : tokenizer(texts, pairs, options);
}

/** Checks that an input is a string, naming it in the error. */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InputError(`${what} must be a string, got ${describe(value)}`);
  return value;
}

/** The label of class `i`, falling back to `LABEL_i` as transformers does. */
export function labelOf(config: DebertaConfig, i: number): string {
  return config.id2label[i] ?? `LABEL_${i}`;
}
