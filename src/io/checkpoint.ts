import { DebertaError, WeightsError } from '../errors.js';
import type { Int8TensorMap, TensorMap } from '../tensor/tensor.js';
import { parseJsonBytes } from './bytes.js';
import { where, type FileSource, type RangeReader } from './file-source.js';
import { readJsonWeights } from './json-weights.js';
import type { LoadOptions } from './load-options.js';
import { isQuantizedConfig, Q8_QUANT_METHOD } from './quantized-format.js';
import { resolveSource } from './resolve.js';
import { readSafetensors, readSafetensorsQuantized, readSafetensorsRanges, type Decode } from './safetensors.js';
import { loadSharded } from './sharded.js';
import { readTorchBin } from './torch-bin.js';

/** The weights format a checkpoint was read from. */
export type CheckpointFormat = 'safetensors' | 'safetensors-sharded' | 'pytorch' | 'pytorch-sharded' | 'json';

/** A checkpoint as read from disk or network: the raw config.json object and its named tensors. */
export interface Checkpoint {
  /** Where it came from (folder path, URL or Hub id), for error messages. */
  source: string;
  /** The parsed config.json (or, without one, the `config` of model.json). */
  config: unknown;
  /** Tensors by Hugging Face state-dict key, all float32. */
  tensors: TensorMap;
  /** Which weights format was found. */
  format: CheckpointFormat;
  /** A quantized checkpoint's int8 tensors (`deberta quantize`), by key; their scales are float tensors in `tensors`. */
  int8Tensors?: Int8TensorMap;
  /** The weights files that were read, relative to the source (index first, then shards). */
  files: string[];
  /**
   * Present when tensors are read from the files on demand (`decode: 'on-demand'` from a local folder): call
   * it once what is built from the tensors is done, to report the files as loaded (their last progress event).
   */
  finish?: () => void;
}

/** Weights files in order of preference, as transformers picks them. */
const WEIGHTS: ReadonlyArray<readonly [string, CheckpointFormat]> = [
  ['model.safetensors', 'safetensors'],
  ['model.safetensors.index.json', 'safetensors-sharded'],
  ['pytorch_model.bin', 'pytorch'],
  ['pytorch_model.bin.index.json', 'pytorch-sharded'],
  ['model.json', 'json'],
];

/**
 * Loads config.json and the weights of a checkpoint from a local folder (Node), a folder URL (string or
 * `URL` object), a Hub id or a custom {@link FileSource} (see {@link resolveSource}). The first weights
 * file found in this order is used: model.safetensors, model.safetensors.index.json, pytorch_model.bin,
 * pytorch_model.bin.index.json, model.json.
 * Either every tensor loads or a {@link WeightsError} names the bad file and what is wrong with it.
 * `decode: 'on-demand'` leaves safetensors' float16/bfloat16 tensors in the file until each is read (see
 * `Tensor.onDemand`), and from a source with `ranges` (a local folder) reads every safetensors tensor from
 * disk only when it is read, one at a time: no copy of the file is ever in memory (call `finish` when done).
 * The default reads the files whole and converts at once.
 *
 * @throws {InputError} when `source` or an option is of the wrong type
 * @throws {WeightsError} when a file is missing, malformed or not a regular file, or a download fails
 */
export async function loadCheckpoint(source: string | URL | FileSource, options: LoadOptions = {}, decode: Decode = 'eager'): Promise<Checkpoint> {
  const files = await resolveSource(source, options);
  const configBytes = await files.read('config.json');
  if (configBytes === null) return loadJsonOnly(files);
  const config = parseJsonBytes(configBytes, where(files, 'config.json'));
  const quantized = isQuantizedConfig(config);
  // Tensor by tensor from the file (no copy of it in memory) when converting on demand and the source can.
  const streamed = decode === 'on-demand' && files.ranges !== undefined;
  const readers: RangeReader[] = [];
  const finish = streamed ? { finish: () => readers.forEach((r) => r.finish?.()) } : {};
  const safetensors = async (file: string, at: string): Promise<{ tensors: TensorMap; int8: Int8TensorMap } | null> => {
    if (streamed) {
      const reader = await files.ranges!(file);
      if (reader !== null) readers.push(reader);
      return reader && guard(at, () => readSafetensorsRanges(reader, at, quantized));
    }
    const bytes = await files.read(file);
    if (bytes === null) return null;
    if (quantized) return guard(at, () => readSafetensorsQuantized(bytes, at, decode));
    return { tensors: guard(at, () => readSafetensors(bytes, at, decode)), int8: new Map() };
  };
  for (const [file, format] of WEIGHTS) {
    const at = where(files, file);
    if (format === 'safetensors') {
      const read = await safetensors(file, at);
      if (read === null) continue;
      return { source: files.name, config, tensors: read.tensors, format, files: [file], ...(quantized ? { int8Tensors: read.int8 } : {}), ...finish };
    }
    const bytes = await files.read(file);
    if (bytes === null) continue;
    if (quantized) {
      throw new WeightsError(`${at}: config.json marks a ${Q8_QUANT_METHOD} checkpoint, which is one model.safetensors file (as \`deberta quantize\` writes it), but the folder has ${file} instead`);
    }
    const done = (tensors: TensorMap, read: string[] = [file]): Checkpoint => ({ source: files.name, config, tensors, format, files: read, ...finish });
    switch (format) {
      case 'pytorch':
        return done(guard(at, () => readTorchBin(bytes, at)));
      case 'json':
        return done(guard(at, () => readJsonWeights(bytes, at)).tensors);
      case 'safetensors-sharded': {
        const { tensors, shards } = await loadSharded(files, file, bytes, async (shard, shardAt) => (await safetensors(shard, shardAt))?.tensors ?? null);
        return done(tensors, [file, ...shards]);
      }
      case 'pytorch-sharded': {
        const readShard = async (shard: string, shardAt: string) => {
          const b = await files.read(shard);
          return b && guard(shardAt, () => readTorchBin(b, shardAt));
        };
        const { tensors, shards } = await loadSharded(files, file, bytes, readShard);
        return done(tensors, [file, ...shards]);
      }
    }
  }
  throw new WeightsError(`${files.name}: no weights file found (looked for ${WEIGHTS.map(([f]) => f).join(', ')})`);
}

/** Without config.json, only model.json can supply the config, so the other formats are not even tried. */
async function loadJsonOnly(files: FileSource): Promise<Checkpoint> {
  const bytes = await files.read('model.json');
  if (bytes === null) throw new WeightsError(`${where(files, 'config.json')}: missing file config.json`);
  const at = where(files, 'model.json');
  const { config, tensors } = guard(at, () => readJsonWeights(bytes, at));
  if (config === undefined) throw new WeightsError(`${at}: has no "config" and there is no config.json`);
  return { source: files.name, config, tensors, format: 'json', files: ['model.json'] };
}

/**
 * Parsers validate what they read, but a malformed file must never surface as a bare RangeError or
 * TypeError: anything that slips through is reported as a {@link WeightsError} naming the file.
 */
export function guard<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof DebertaError) throw e;
    throw new WeightsError(`${file}: malformed (${(e as Error).message})`);
  }
}
