import { InputError } from '../errors.js';
import { describe } from '../options.js';

/**
 * Default `maxTokensPerBatch`: padded tokens (sequences x longest length) per forward. 16384 is 32 full
 * 512-token windows, so with the default `batchSize` of 8 it never binds for a model's usual 512-token limit
 * (results and batches stay as they were); it caps what a large `batchSize` or long sequences can ask of one
 * forward, whose activations and attention scores grow with batch x length (and length squared).
 */
export const DEFAULT_MAX_TOKENS_PER_BATCH = 16384;

/** Bounds of one forward pass. */
export interface BatchPlanOptions {
  /** Most sequences per group. */
  batchSize: number;
  /** Most padded tokens per group: group size x the longest length in it. */
  maxTokens: number;
  /** Prefix of error messages (the calling pipeline). */
  where?: string;
  /** What sequence `i` is called in errors; default `input i`. */
  name?: (i: number) => string;
}

/**
 * Groups sequences for padded forwards: indices sorted by length (stable, so equal lengths keep input order),
 * cut greedily so that each group holds at most `batchSize` sequences and at most `maxTokens` padded tokens.
 * Sorting first means each group pads its members to a similar length instead of to the longest of the call;
 * callers scatter the results back to input order.
 *
 * @param lengths token length of each sequence, in input order
 * @returns groups of indices into `lengths`, shortest sequences first
 * @throws {InputError} when a bound is not a positive integer, or a single sequence is longer than `maxTokens`
 *   (no group could hold it), naming both numbers
 */
export function planBatches(lengths: readonly number[], options: BatchPlanOptions): number[][] {
  const { batchSize, maxTokens, where = 'batching', name = (i: number) => `input ${i}` } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`${where}: batchSize must be a positive integer, got ${describe(batchSize)}`);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InputError(`${where}: maxTokensPerBatch must be a positive integer, got ${describe(maxTokens)}`);
  // Array.prototype.sort is stable (ES2019), which keeps equal lengths in input order.
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const groups: number[][] = [];
  let group: number[] = [];
  for (const i of order) {
    const length = lengths[i];
    if (length > maxTokens) {
      throw new InputError(
        `${where}: maxTokensPerBatch ${maxTokens} is smaller than ${name(i)}, which is ${length} tokens long; ` +
          `raise maxTokensPerBatch to at least ${length} or shorten it`,
      );
    }
    // Ascending order: the newcomer is the group's longest, so it sets the padded length.
    if (group.length > 0 && (group.length + 1 > batchSize || (group.length + 1) * length > maxTokens)) {
      groups.push(group);
      group = [];
    }
    group.push(i);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
