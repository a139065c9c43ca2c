import { WeightsError } from '../errors.js';
import { checkBytes, parseJsonBytes } from './bytes.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';

/**
 * The project's JSON checkpoint format, for tiny hand-made or generated models:
 * `{ "config": {...}, "weights": { "<name>": { "shape": [...], "data": [...] } } }`.
 * `data` is row-major, flat or nested to match `shape`; `"NaN"`, `"Infinity"` and `"-Infinity"` stand
 * for the values JSON cannot write.
 */
export interface JsonCheckpoint {
  /** The `config` object, or `undefined` when the file has none. */
  config: unknown;
  tensors: TensorMap;
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * Reads a JSON checkpoint. Parsing makes JavaScript numbers of every weight, so this format is for
 * small models only; use safetensors for real ones.
 *
 * @param bytes the file, as bytes or text
 * @param file the file name used in error messages
 */
export function readJsonWeights(bytes: Uint8Array | string, file = 'model.json'): JsonCheckpoint {
  if (typeof bytes !== 'string') checkBytes(bytes, 'readJsonWeights');
  const root = typeof bytes === 'string' ? parseText(bytes, file) : parseJsonBytes(bytes, file);
  if (!isObject(root)) throw new WeightsError(`${file}: expected a JSON object with "config" and "weights"`);
  const { config, weights } = root;
  if (config !== undefined && !isObject(config)) throw new WeightsError(`${file}: "config" is not an object`);
  if (!isObject(weights)) throw new WeightsError(`${file}: "weights" is missing or not an object`);
  const tensors: TensorMap = new Map();
  for (const [name, entry] of Object.entries(weights)) {
    const what = `${file}: tensor "${name}"`;
    if (!isObject(entry)) throw new WeightsError(`${what} is not an object with "shape" and "data"`);
    const { shape, data } = entry;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new WeightsError(`${what} has an invalid shape ${JSON.stringify(shape)}`);
    }
    const dims = shape as number[];
    const numel = dims.reduce((a, b) => a * b, 1);
    if (!Array.isArray(data)) throw new WeightsError(`${what} has no "data" array`);
    const flat = Array.isArray(data[0]) ? flatten(data, dims, what) : data;
    if (flat.length !== numel) {
      throw new WeightsError(`${what} has shape [${dims.join(', ')}] (${numel} values) but ${flat.length} data values`);
    }
    const values = new Float32Array(numel);
    for (let i = 0; i < numel; i++) values[i] = toNumber(flat[i], what, i);
    tensors.set(name, new Tensor(values, dims));
  }
  return { config, tensors };
}

/**
 * Serialises a config and tensors in the JSON checkpoint format, one tensor per line. Each value is the
 * shortest decimal that reads back as the same float32, so a round trip is exact.
 */
export function toJson(config: unknown, tensors: TensorMap): string {
  const parts: string[] = [`{"config": ${JSON.stringify(config ?? {})},\n"weights": {`];
  let first = true;
  for (const [name, t] of tensors) {
    const data = new Array<string>(t.data.length);
    for (let i = 0; i < t.data.length; i++) data[i] = float32ToJson(t.data[i]);
    parts.push(`${first ? '' : ','}\n${JSON.stringify(name)}: {"shape": [${t.shape.join(', ')}], "data": [${data.join(', ')}]}`);
    first = false;
  }
  parts.push('\n}}\n');
  return parts.join('');
}

/**
 * Writes a checkpoint in the project's JSON format (see {@link toJson}) to `path`.
 * Meant for tiny hand-made or generated models; the file is about 10 bytes per weight.
 * Node only: browsers get a {@link WeightsError} (offer `toJson`'s string as a download instead).
 */
export async function saveJson(path: string, config: unknown, tensors: TensorMap): Promise<void> {
  // Lazy, as in resolveSource: this module stays browser-safe, and browser builds swap in the stub.
  const { writeTextFile } = await import('./node-fs.js');
  await writeTextFile(path, toJson(config, tensors));
}

/** The shortest decimal that reads back as the same float32 (not float64), as JSON. */
export function float32ToJson(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (!Number.isFinite(x)) return x > 0 ? '"Infinity"' : '"-Infinity"';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

function parseText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeightsError(`${file}: invalid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toNumber(v: unknown, what: string, i: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) return SPECIAL[v];
  throw new WeightsError(`${what}: data[${i}] is ${JSON.stringify(v)}, not a number`);
}

/** Flattens nested data, checking every level against `shape`. */
function flatten(data: unknown[], shape: number[], what: string): unknown[] {
  if (shape.length <= 1) return data;
  const out: unknown[] = [];
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new WeightsError(`${what}: nested data does not match shape [${shape.join(', ')}] at dimension ${dim}`);
    }
    for (const x of v) walk(x, dim + 1);
  };
  walk(data, 0);
  return out;
}
