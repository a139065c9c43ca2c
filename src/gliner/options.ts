/** Options of GLiNER's load and prediction calls, and their checks. */
import { InputError } from '../errors.js';
import type { ComputeOptions } from '../model/backend-options.js';
import { COMPUTE_OPTION_KEYS } from '../model/backend-options.js';
import { DEFAULT_MAX_TOKENS_PER_BATCH } from '../pipelines/batching.js';
import { boolOption, checkOptions, describe, intOption, mergeKeys, type OptionKeys } from '../options.js';
import { TOKENIZER_LOAD_OPTION_KEYS, type TokenizerLoadOptions } from '../tokenizers/auto.js';

/** Options of {@link GlinerModel.fromPretrained}: where to load from, tokenizer semantics, how to compute. */
export type GlinerLoadOptions = TokenizerLoadOptions & ComputeOptions;

/** Every {@link GlinerLoadOptions} key. */
export const GLINER_LOAD_OPTION_KEYS: OptionKeys<GlinerLoadOptions> = mergeKeys<TokenizerLoadOptions, ComputeOptions>(TOKENIZER_LOAD_OPTION_KEYS, COMPUTE_OPTION_KEYS);

/** Options of {@link GlinerModel.predictEntities}. */
export interface PredictEntitiesOptions {
  /** Keep spans whose probability is above this (strictly; inside probabilities of token models at or above); in (0, 1), default 0.5. */
  threshold?: number;
  /** No overlapping entities (default true); false keeps nested ones (one inside another), never partial overlaps. */
  flatNer?: boolean;
  /** The same span may carry several labels (default false). */
  multiLabel?: boolean;
  /** Most texts (or windows) per backbone batch (default 8); they are sorted by token length first. */
  batchSize?: number;
  /** Most padded tokens (texts x the longest of them) per backbone batch; default 16384. */
  maxTokensPerBatch?: number;
  /**
   * Texts longer than the model's `max_len` words: false (default, as GLiNER) drops the words past it with a
   * warning; true runs overlapping windows of `max_len` words and merges their entities.
   */
  window?: boolean;
}

/** Every {@link PredictEntitiesOptions} key. */
export const PREDICT_OPTION_KEYS: OptionKeys<PredictEntitiesOptions> = { threshold: true, flatNer: true, multiLabel: true, batchSize: true, maxTokensPerBatch: true, window: true };

/** The checked options, defaults applied. */
export type ResolvedPredictOptions = Required<PredictEntitiesOptions>;

/**
 * Checks the options of a prediction call.
 *
 * @throws {InputError} naming the option: unknown key, threshold outside (0, 1), a non-boolean flag, a
 *   batch size or token budget that is not a positive integer
 */
export function checkPredictOptions(options: PredictEntitiesOptions | undefined, where: string): ResolvedPredictOptions {
  const o = checkOptions(options, PREDICT_OPTION_KEYS, where);
  const threshold: unknown = o.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    throw new InputError(`${where}: threshold must be a number in (0, 1), got ${describe(threshold)}`);
  }
  const flag = (key: 'flatNer' | 'multiLabel' | 'window') => boolOption(o[key], key, where);
  const batchSize = intOption(o.batchSize, 'batchSize', where) ?? 8;
  const maxTokensPerBatch = intOption(o.maxTokensPerBatch, 'maxTokensPerBatch', where) ?? DEFAULT_MAX_TOKENS_PER_BATCH;
  return { threshold, flatNer: flag('flatNer') ?? true, multiLabel: flag('multiLabel') ?? false, batchSize, maxTokensPerBatch, window: flag('window') ?? false };
}

/**
 * Checks a label list: a non-empty array of non-blank strings. A comma-separated string is split at commas.
 *
 * @throws {InputError} naming the bad label by index
 */
export function checkLabels(labels: unknown, where: string, reserved: readonly string[]): string[] {
  const list = typeof labels === 'string' ? labels.split(',').map((l) => l.trim()) : labels;
  if (!Array.isArray(list)) throw new InputError(`${where}: labels must be an array of strings, got ${describe(labels)}`);
  if (list.length === 0) throw new InputError(`${where}: labels is empty; give at least one entity type`);
  for (let i = 0; i < list.length; i++) {
    const l: unknown = list[i];
    if (typeof l !== 'string') throw new InputError(`${where}: labels[${i}] must be a string, got ${describe(l)}`);
    if (l.trim() === '') throw new InputError(`${where}: labels[${i}] is an empty or blank string`);
    if (reserved.some((r) => l.includes(r))) throw new InputError(`${where}: labels[${i}] ${JSON.stringify(l)} contains a prompt marker (${reserved.join(', ')})`);
  }
  return list as string[];
}
