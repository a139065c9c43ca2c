import { InputError } from '../errors.js';
import type { DebertaConfig } from '../model/config.js';
import type { BatchEncoding, DebertaTokenizer, TokenizerCallOptions } from '../tokenizers/tokenizer.js';

/** Options every pipeline call accepts. */
export interface BatchOptions {
  /** Sequences per forward pass (padded together); default 8. */
  batchSize?: number;
}

/** Splits `items` into consecutive groups of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new InputError(`batchSize must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
  if (typeof value !== 'string') throw new InputError(`${what} must be a string, got ${value === null ? 'null' : typeof value}`);
  return value;
}

/** The label of class `i`, falling back to `LABEL_i` as transformers does. */
export function labelOf(config: DebertaConfig, i: number): string {
  return config.id2label[i] ?? `LABEL_${i}`;
}
