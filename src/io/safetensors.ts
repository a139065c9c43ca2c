import { WeightsError } from '../errors.js';
import { checkBytes } from './bytes.js';
import { Int8Tensor, Tensor, type Int8TensorMap, type TensorMap } from '../tensor/tensor.js';
import { decodeFloats, DTYPE_BYTES, type StorageDtype } from './dtypes.js';
import type { RangeReader } from './file-source.js';

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

// As the reference implementation: a larger header is refused before it is decoded.
const MAX_HEADER_BYTES = 100_000_000;

interface Entry {
  name: string;
  dtype: StorageDtype;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

/**
 * Reads a `.safetensors` file: a u64 little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}}`), then the raw little-endian data.
 * Every tensor becomes float32 (integer and bool buffers too); F32 data aligned to 4 bytes is viewed, not copied.
 *
 * The framing is checked as strictly as the reference (Rust) implementation does: the header is at most
 * 100 MB, and the tensors' byte ranges, sorted by offset, tile the data section exactly (the first begins
 * at 0, each begins where the previous one ends, the last ends at the end of the file). A header length
 * that is off by a few bytes therefore fails instead of silently shifting every tensor.
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 * @throws {WeightsError} naming `file` (and the tensor at fault) when the file is malformed
 */
export function readSafetensors(bytes: Uint8Array, file = 'model.safetensors', decode: Decode = 'eager'): TensorMap {
  checkBytes(bytes, 'readSafetensors');
  const { entries, dataStart } = parseFile(bytes, file);
  const out: TensorMap = new Map();
  for (const e of entries) out.set(e.name, floatTensor(bytes, dataStart, e, decode));
  return out;
}

/**
 * When tensors that need converting (float16, bfloat16, ...) become float32: `'eager'` at once, or
 * `'on-demand'` on every read of `data` (see `Tensor.onDemand`), for a caller that converts each tensor
 * once and keeps only the result (quantizing at load).
 */
export type Decode = 'eager' | 'on-demand';

/** Entry `e` as a float32 Tensor: a view when it is aligned float32, else decoded as `decode` says. */
function floatTensor(bytes: Uint8Array, dataStart: number, e: Entry, decode: Decode): Tensor {
  const at = dataStart + e.begin;
  const view = e.dtype === 'float32' && (bytes.byteOffset + at) % 4 === 0;
  if (decode === 'eager' || view) return new Tensor(decodeFloats(bytes, at, e.numel, e.dtype), e.shape);
  const width = DTYPE_BYTES[e.dtype];
  return Tensor.onDemand(e.shape, () => decodeFloats(bytes, at, e.numel, e.dtype), (from, count) => decodeFloats(bytes, at + from * width, count, e.dtype));
}

/**
 * {@link readSafetensors} for a quantized checkpoint (`deberta quantize`): I8 tensors stay int8 (views into
 * `bytes`) in `int8`; every other tensor becomes float32 in `tensors`, as there.
 */
export function readSafetensorsQuantized(bytes: Uint8Array, file = 'model.safetensors', decode: Decode = 'eager'): { tensors: TensorMap; int8: Int8TensorMap } {
  checkBytes(bytes, 'readSafetensorsQuantized');
  const { entries, dataStart } = parseFile(bytes, file);
  const tensors: TensorMap = new Map();
  const int8: Int8TensorMap = new Map();
  for (const e of entries) {
    if (e.dtype === 'int8') int8.set(e.name, new Int8Tensor(new Int8Array(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.numel), e.shape));
    else tensors.set(e.name, floatTensor(bytes, dataStart, e, decode));
  }
  return { tensors, int8 };
}

/**
 * A safetensors file read through `reader` one tensor at a time, checked as {@link readSafetensors} checks
 * a whole file: only the header is read now. Float tensors are read from the file (and converted) on every
 * read of their `data` (see `Tensor.onDemand`); with `quantized`, int8 tensors stay int8 (as
 * {@link readSafetensorsQuantized} keeps them) and are read now. This is how loading for `dtype: 'q8'`
 * keeps no float32 copy of the file.
 */
export function readSafetensorsRanges(reader: RangeReader, file = 'model.safetensors', quantized = false): { tensors: TensorMap; int8: Int8TensorMap } {
  const headerLen = headerLength(reader.read(0, Math.min(8, reader.size)), reader.size, file);
  const { entries, dataStart } = parseHeader(reader.read(8, headerLen), reader.size, file);
  const tensors: TensorMap = new Map();
  const int8: Int8TensorMap = new Map();
  for (const e of entries) {
    const width = DTYPE_BYTES[e.dtype];
    const read = (from = 0, count = e.numel): Uint8Array => {
      const b = reader.read(dataStart + e.begin + from * width, count * width);
      if (b.length !== count * width) throw new WeightsError(`${file}: tensor "${e.name}": the source returned ${b.length} bytes for a read of ${count * width}`);
      return b;
    };
    if (quantized && e.dtype === 'int8') {
      const b = read();
      int8.set(e.name, new Int8Tensor(new Int8Array(b.buffer, b.byteOffset, b.byteLength), e.shape));
      continue;
    }
    tensors.set(e.name, Tensor.onDemand(e.shape, () => decodeFloats(read(), 0, e.numel, e.dtype), (from, count) => decodeFloats(read(from, count), 0, count, e.dtype)));
  }
  return { tensors, int8 };
}

/** The checked header entries and where the data section starts. */
function parseFile(bytes: Uint8Array, file: string): { entries: Entry[]; dataStart: number } {
  const headerLen = headerLength(bytes, bytes.length, file);
  return parseHeader(bytes.subarray(8, 8 + headerLen), bytes.length, file);
}

/** The header length the first 8 bytes of a file of `size` bytes give, checked against the limit and the size. */
function headerLength(first: Uint8Array, size: number, file: string): number {
  if (size < 8) throw new WeightsError(`${file}: file is ${size} bytes, too short for a safetensors header`);
  const headerLen = Number(new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES) {
    throw new WeightsError(`${file}: header length ${headerLen} is over the safetensors limit of ${MAX_HEADER_BYTES} bytes`);
  }
  if (headerLen > size - 8) {
    throw new WeightsError(`${file}: header length ${headerLen} goes beyond the file (${size} bytes)`);
  }
  return headerLen;
}

/** The header's entries, checked, for a file of `size` bytes. */
function parseHeader(headerBytes: Uint8Array, size: number, file: string): { entries: Entry[]; dataStart: number } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new WeightsError(`${file}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new WeightsError(`${file}: header is not a JSON object`);
  }
  const dataStart = 8 + headerBytes.length;
  const entries = parseEntries(header as Record<string, unknown>, size - dataStart, file);
  checkFraming(entries, size - dataStart, file);
  return { entries, dataStart };
}

function parseEntries(header: Record<string, unknown>, dataLen: number, file: string): Entry[] {
  const entries: Entry[] = [];
  for (const [name, entry] of Object.entries(header)) {
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
    const size = numel * DTYPE_BYTES[dtype];
    if (size !== end - begin) {
      throw new WeightsError(`${file}: tensor "${name}" has shape [${shape.join(', ')}] of ${e.dtype as string} (${size} bytes) but its data_offsets span ${end - begin} bytes`);
    }
    entries.push({ name, dtype, shape, numel, begin, end });
  }
  return entries;
}

/**
 * Requires the tensors to tile the data section, as the reference's `validate` does: a gap, an overlap or
 * bytes left over mean the header length or the offsets are wrong, and reading on would shift or mix data.
 */
function checkFraming(entries: readonly Entry[], dataLen: number, file: string): void {
  // By begin, then end, so that zero-size tensors sharing an offset come before the tensor starting there.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin !== at) {
      const span = `tensor "${e.name}" data_offsets [${e.begin}, ${e.end}]`;
      if (previous === undefined) throw new WeightsError(`${file}: ${span} should begin at 0, the start of the data section (the first ${e.begin} bytes belong to no tensor)`);
      throw new WeightsError(
        e.begin > at
          ? `${file}: ${span} leave a gap of ${e.begin - at} bytes after tensor "${previous.name}", which ends at ${at}`
          : `${file}: ${span} overlap tensor "${previous.name}", which ends at ${at}`,
      );
    }
    at = e.end;
    previous = e;
  }
  if (at !== dataLen) {
    const last = previous === undefined ? 'there are no tensors' : `the last tensor, "${previous.name}", ends at ${at}`;
    const extra = dataLen - at;
    throw new WeightsError(`${file}: ${extra} trailing byte${extra === 1 ? '' : 's'} after the tensors: the data section is ${dataLen} bytes but ${last} (is the header length wrong?)`);
  }
}
