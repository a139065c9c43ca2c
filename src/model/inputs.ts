import { InputError } from '../errors.js';
import { describe } from '../options.js';
import type { DebertaConfig } from './config.js';

/** What `forward` takes: a batch of token ids with optional mask and token types, each [batch][seq]. */
export interface ModelInputs {
  inputIds: number[][];
  /** 1 for tokens, 0 for padding; default all 1. */
  attentionMask?: number[][];
  /** Segment ids (used when the model has `type_vocab_size` > 0); default all 0. */
  tokenTypeIds?: number[][];
}

/** Inputs checked and flattened into typed arrays. */
export interface BatchInputs {
  batch: number;
  length: number;
  ids: Int32Array;
  mask: Uint8Array;
  typeIds: Int32Array | null;
}

function flatten(name: string, rows: unknown, batch: number, length: number, check: (v: number, at: string) => void): Int32Array {
  if (!Array.isArray(rows)) throw new InputError(`${name} must be an array of rows ([batch][seq])`);
  if (rows.length !== batch) throw new InputError(`${name} has ${rows.length} rows but inputIds has ${batch}`);
  const out = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const row: unknown = rows[b];
    if (!Array.isArray(row)) throw new InputError(`${name}[${b}] must be an array`);
    if (row.length !== length) {
      throw new InputError(`${name}[${b}] has length ${row.length} but ${name === 'inputIds' ? 'inputIds[0]' : 'inputIds'} has length ${length} (ragged batches must be padded)`);
    }
    for (let t = 0; t < length; t++) {
      const v: unknown = row[t];
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new InputError(`${name}[${b}][${t}] is ${describe(v)}, not an integer`);
      check(v, `${name}[${b}][${t}]`);
      out[b * length + t] = v;
    }
  }
  return out;
}

/**
 * Validates inputs against the config: rectangular [batch][seq], ids in [0, vocab_size), mask of 0/1,
 * token types in [0, type_vocab_size), length within max_position_embeddings when absolute positions are used.
 */
export function prepareInputs(inputs: ModelInputs, config: DebertaConfig): BatchInputs {
  if (inputs === null || typeof inputs !== 'object' || !Array.isArray(inputs.inputIds)) {
    throw new InputError(`forward expects { inputIds: number[][], attentionMask?, tokenTypeIds? }, got ${inputs === null || typeof inputs !== 'object' ? describe(inputs) : 'an object without an inputIds array'}`);
  }
  const batch = inputs.inputIds.length;
  if (batch === 0) throw new InputError('inputIds is empty: a batch needs at least one sequence');
  const first: unknown = inputs.inputIds[0];
  if (!Array.isArray(first)) throw new InputError('inputIds[0] must be an array of token ids ([batch][seq])');
  const length = first.length;
  if (length === 0) throw new InputError('inputIds[0] is empty: sequences need at least one token');
  // Absolute positions exist only up to max_position_embeddings; models without them (v3) run longer
  // sequences, as in transformers (relative positions are bucketed or clamped).
  if (config.positionBiasedInput && length > config.maxPositionEmbeddings) {
    throw new InputError(`sequence length ${length} exceeds max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  const ids = flatten('inputIds', inputs.inputIds, batch, length, (v, at) => {
    if (v < 0 || v >= config.vocabSize) throw new InputError(`${at} = ${v} is outside [0, ${config.vocabSize}) (vocab_size)`);
  });
  const mask = new Uint8Array(batch * length).fill(1);
  if (inputs.attentionMask !== undefined) {
    mask.set(flatten('attentionMask', inputs.attentionMask, batch, length, (v, at) => {
      if (v !== 0 && v !== 1) throw new InputError(`${at} = ${v}; attention mask values must be 0 or 1`);
    }));
  }
  let typeIds: Int32Array | null = null;
  if (inputs.tokenTypeIds !== undefined) {
    // Checked for shape always; values matter only when the model has token-type embeddings (HF ignores
    // them otherwise, and tokenizers emit 1s for the second text of a pair).
    const limit = config.typeVocabSize;
    typeIds = flatten('tokenTypeIds', inputs.tokenTypeIds, batch, length, (v, at) => {
      if (limit > 0 && (v < 0 || v >= limit)) throw new InputError(`${at} = ${v} is outside [0, ${limit}) (type_vocab_size)`);
    });
  }
  return { batch, length, ids, mask, typeIds };
}
