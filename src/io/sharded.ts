import { WeightsError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { parseJsonBytes } from './bytes.js';
import { where, type FileSource } from './file-source.js';

/** The tensors of a sharded checkpoint and the shard files read, in order. */
export interface ShardedTensors {
  tensors: TensorMap;
  shards: string[];
}

/**
 * Loads a checkpoint split by an index file (`model.safetensors.index.json` or
 * `pytorch_model.bin.index.json`: `{ "weight_map": { "<tensor>": "<shard file>" } }`).
 * Every shard is read before anything is returned, so a missing or bad shard never yields a partial model.
 *
 * @param readShard reads one shard (`null` if the source has no such file); receives its name and its path
 *   or URL for error messages
 */
export async function loadSharded(
  files: FileSource,
  indexFile: string,
  indexBytes: Uint8Array,
  readShard: (shard: string, at: string) => Promise<TensorMap | null>,
): Promise<ShardedTensors> {
  const at = where(files, indexFile);
  const index = parseJsonBytes(indexBytes, at);
  const map = typeof index === 'object' && index !== null ? (index as { weight_map?: unknown }).weight_map : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new WeightsError(`${at}: has no "weight_map" object`);
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || !isPlainFileName(shard)) {
      throw new WeightsError(`${at}: tensor "${name}" points at ${JSON.stringify(shard)}, which is not a file name in the same folder`);
    }
    const names = byShard.get(shard);
    if (names === undefined) byShard.set(shard, [name]);
    else names.push(name);
  }
  if (byShard.size === 0) throw new WeightsError(`${at}: "weight_map" is empty`);

  const tensors: TensorMap = new Map();
  const owner = new Map<string, string>();
  for (const [shard, names] of byShard) {
    const shardAt = where(files, shard);
    const part = await readShard(shard, shardAt);
    if (part === null) throw new WeightsError(`${at}: shard ${shard} is missing (${shardAt})`);
    for (const name of names) {
      if (!part.has(name)) throw new WeightsError(`${shardAt}: has no tensor "${name}", which ${indexFile} places there`);
    }
    // transformers loads every tensor of a shard, listed in the index or not.
    for (const [name, t] of part) {
      const other = owner.get(name);
      if (other !== undefined) throw new WeightsError(`${shardAt}: tensor "${name}" is also in shard ${other}`);
      owner.set(name, shard);
      tensors.set(name, t);
    }
  }
  return { tensors, shards: [...byShard.keys()] };
}

/** Shards live next to their index; anything that could escape the folder or name another host is refused. */
function isPlainFileName(name: string): boolean {
  return /^[\w.-]+$/.test(name) && name !== '.' && name !== '..';
}
