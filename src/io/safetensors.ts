import { WeightsError } from '../errors.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';
import { decodeFloats, DTYPE_BYTES, type StorageDtype } from './dtypes.js';

const SAFETENSORS_DTYPES: Record<string, StorageDtype> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/**
 * Reads a `.safetensors` file: a u64 little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}}`), then the raw little-endian data.
 * Every tensor becomes float32 (integer and bool buffers too); F32 data aligned to 4 bytes is viewed, not copied.
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 */
export function readSafetensors(bytes: Uint8Array, file = 'model.safetensors'): TensorMap {
  if (bytes.length < 8) throw new WeightsError(`${file}: file is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    throw new WeightsError(`${file}: header length ${headerLen} goes beyond the file (${bytes.length} bytes)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new WeightsError(`${file}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new WeightsError(`${file}: header is not a JSON object`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const out: TensorMap = new Map();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw new WeightsError(`${file}: tensor "${name}" has no header entry object`);
    const dtype = typeof e.dtype === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, e.dtype) ? SAFETENSORS_DTYPES[e.dtype] : undefined;
    if (dtype === undefined) {
      throw new WeightsError(`${file}: tensor "${name}" has dtype ${JSON.stringify(e.dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightsError(`${file}: tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightsError(`${file}: tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      throw new WeightsError(`${file}: tensor "${name}" data_offsets [${begin}, ${end}] fall outside the data section (${dataLen} bytes)`);
    }
    const shape = e.shape as number[];
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel * DTYPE_BYTES[dtype] !== end - begin) {
      throw new WeightsError(`${file}: tensor "${name}" has shape [${shape.join(', ')}] of ${e.dtype as string} (${numel * DTYPE_BYTES[dtype]} bytes) but its data_offsets span ${end - begin} bytes`);
    }
    ranges.push([begin, end, name]);
    out.set(name, new Tensor(decodeFloats(bytes, dataStart + begin, numel, dtype), shape));
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) {
      throw new WeightsError(`${file}: tensors "${ranges[i - 1][2]}" and "${ranges[i][2]}" overlap in the data section`);
    }
  }
  return out;
}
