import { InputError } from '../errors.js';
import type { DebertaConfig } from '../model/config.js';
import { describe, intOption, type OptionKeys } from '../options.js';

export { boolOption, choiceOption, intOption } from '../options.js';
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

/** `batchSize` and `maxTokensPerBatch`, checked, with their defaults, as {@link planBatches} takes them. */
export function batchPlanOf(options: BatchOptions, where: string): { batchSize: number; maxTokens: number; where: string } {
  const batchSize = intOption(options.batchSize, 'batchSize', where) ?? 8;
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
