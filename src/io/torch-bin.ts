import { WeightsError } from '../errors.js';
import { checkBytes } from './bytes.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';
import { decodeFloats, DTYPE_BYTES } from './dtypes.js';
import { describe, isTensor, PyDict, unpickle, type PickleValue, type StorageRef, type TensorRef } from './pickle.js';
import { readZip } from './zip.js';

// The first pickle of a pre-1.6 (non-zip) torch.save file is this integer.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/**
 * Reads a PyTorch `pytorch_model.bin` state dict. The zip format written by torch >= 1.6 is the main
 * target; the older non-zip format is read too. The pickle is interpreted by a restricted unpickler
 * that never executes code. Every tensor becomes float32; contiguous float32 tensors are views into
 * `bytes`, others are decoded or gathered into new arrays.
 *
 * @param bytes the whole file
 * @param file the file name used in error messages
 */
export function readTorchBin(bytes: Uint8Array, file = 'pytorch_model.bin'): TensorMap {
  checkBytes(bytes, 'readTorchBin');
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return readLegacy(bytes, file);
  const entries = readZip(bytes, file);
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new WeightsError(pickles.length === 0
      ? `${file}: zip archive has no <name>/data.pkl, so it is not a torch.save checkpoint`
      : `${file}: zip archive has several data.pkl entries (${pickles.join(', ')})`);
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder !== undefined && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new WeightsError(`${file}: storages are big-endian, which is not supported`);
  }
  const { value } = unpickle(entries.get(pickles[0]) as Uint8Array, { file: `${file} (${pickles[0]})` });
  const data = (s: StorageRef): Uint8Array => {
    const entry = `${prefix}data/${s.key}`;
    const found = entries.get(entry);
    if (found === undefined) throw new WeightsError(`${file}: storage "${s.key}" has no zip entry ${entry}`);
    return found;
  };
  return buildTensors(value, data, file);
}

/**
 * The pre-1.6 layout: pickles of the magic number, the protocol version and system info, then the
 * state dict, then the list of storage keys; each storage follows as an int64 element count and its bytes.
 */
function readLegacy(bytes: Uint8Array, file: string): TensorMap {
  let r = unpickle(bytes, { file });
  if (r.value !== LEGACY_MAGIC) throw new WeightsError(`${file}: neither a zip archive nor a legacy torch.save file (bad magic number)`);
  r = unpickle(bytes, { file, start: r.end });
  if (r.value !== LEGACY_PROTOCOL) throw new WeightsError(`${file}: legacy torch.save protocol ${describe(r.value)} is not supported`);
  r = unpickle(bytes, { file, start: r.end });
  const info = r.value instanceof PyDict ? r.value.entries : undefined;
  if (info?.get('little_endian') !== true) throw new WeightsError(`${file}: legacy checkpoint is not little-endian`);
  const main = unpickle(bytes, { file, start: r.end });
  const keys = unpickle(bytes, { file, start: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new WeightsError(`${file}: legacy storage key list is malformed`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const located = new Map<string, Uint8Array>();
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const s = main.storages.get(key);
    if (s === undefined) throw new WeightsError(`${file}: legacy storage "${key}" is listed but never used`);
    if (pos + 8 > bytes.length) throw new WeightsError(`${file}: legacy storage "${key}" is truncated`);
    const numel = dv.getBigInt64(pos, true);
    if (numel !== BigInt(s.numel)) throw new WeightsError(`${file}: legacy storage "${key}" has ${numel} elements, its tensor declared ${s.numel}`);
    const size = s.numel * DTYPE_BYTES[s.dtype];
    if (pos + 8 + size > bytes.length) throw new WeightsError(`${file}: legacy storage "${key}" is truncated`);
    located.set(key, bytes.subarray(pos + 8, pos + 8 + size));
    pos += 8 + size;
  }
  return buildTensors(main.value, (s) => {
    const found = located.get(s.key);
    if (found === undefined) throw new WeightsError(`${file}: storage "${s.key}" has no data`);
    return found;
  }, file);
}

/** Turns the unpickled state dict into float32 tensors. */
function buildTensors(root: PickleValue, storageBytes: (s: StorageRef) => Uint8Array, file: string): TensorMap {
  if (!(root instanceof PyDict)) throw new WeightsError(`${file}: the pickle holds ${describe(root)}, not a state dict`);
  const decoded = new Map<string, Float32Array>();
  const checked = new Set<string>();
  const out: TensorMap = new Map();
  for (const [name, value] of root.entries) {
    if (typeof name !== 'string') throw new WeightsError(`${file}: state dict key ${name} is not a string`);
    if (!isTensor(value)) throw new WeightsError(`${file}: "${name}" is ${describe(value)}, not a tensor`);
    const bytes = storageBytes(value.storage);
    if (!checked.has(value.storage.key)) {
      const want = value.storage.numel * DTYPE_BYTES[value.storage.dtype];
      if (bytes.length !== want) {
        throw new WeightsError(`${file}: storage "${value.storage.key}" holds ${bytes.length} bytes but ${value.storage.numel} ${value.storage.dtype} elements need ${want}`);
      }
      checked.add(value.storage.key);
    }
    out.set(name, materialize(value, bytes, decoded, `${file}: tensor "${name}"`));
  }
  return out;
}

/** Reads a strided view of a storage; shared storages are decoded once and gathered from. */
function materialize(ref: TensorRef, bytes: Uint8Array, decoded: Map<string, Float32Array>, what: string): Tensor {
  const { storage, offset, shape, stride } = ref;
  let numel = 1;
  for (const d of shape) numel *= d;
  if (!Number.isSafeInteger(numel)) throw new WeightsError(`${what} has a shape [${shape.join(', ')}] that is too large`);
  if (numel === 0) return new Tensor(new Float32Array(0), shape);
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  if (last >= storage.numel) {
    throw new WeightsError(`${what} (offset ${offset}, shape [${shape.join(', ')}], stride [${stride.join(', ')}]) reads element ${last} of storage "${storage.key}", which has ${storage.numel}`);
  }
  if (numel > storage.numel) {
    // Only stride-0 (expanded) views reach this; refusing them keeps a hostile file from asking for huge allocations.
    throw new WeightsError(`${what} has ${numel} elements but its storage "${storage.key}" only ${storage.numel} (broadcast views are not supported)`);
  }
  if (isContiguous(shape, stride)) {
    return new Tensor(decodeFloats(bytes, offset * DTYPE_BYTES[storage.dtype], numel, storage.dtype), shape);
  }
  let all = decoded.get(storage.key);
  if (all === undefined) {
    all = decodeFloats(bytes, 0, storage.numel, storage.dtype);
    decoded.set(storage.key, all);
  }
  return new Tensor(gather(all, offset, shape, stride, numel), shape);
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    // Strides of size-1 dimensions never move, so torch leaves them arbitrary.
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

function gather(src: Float32Array, offset: number, shape: readonly number[], stride: readonly number[], numel: number): Float32Array {
  const out = new Float32Array(numel);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const inner = shape[rank - 1];
  const innerStride = stride[rank - 1];
  let base = offset;
  for (let o = 0; o < numel; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = src[base + j * innerStride];
    // Odometer over the outer dimensions.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      base += stride[d];
      if (index[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
