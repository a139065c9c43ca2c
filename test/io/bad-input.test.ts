// Every malformed file is a WeightsError that names the file and says what is wrong; nothing half-loads.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { readTorchBin } from '../../src/io/torch-bin.js';
import { readZip } from '../../src/io/zip.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { concat, IO_FIXTURES, memorySource, modelDir, readBytes, safetensorsFromHeader, writeSafetensors, writeZip } from './helpers.js';
import { P, stateDictPickle, type TensorSpec } from './pickle-builder.js';

const CONFIG = '{"model_type": "deberta"}';
const V1 = modelDir('v1_base');
const safetensors = readBytes(join(V1, 'model.safetensors'));
const bin = readBytes(join(V1, 'pytorch_model.bin'));
const f32 = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).fill(1).buffer);

/** Loads `file` (with a config.json) from memory and returns the error message, asserting it is a WeightsError. */
async function failure(file: string, bytes: Uint8Array | string, extra: Record<string, Uint8Array | string> = {}): Promise<string> {
  const err = await loadCheckpoint(memorySource({ 'config.json': CONFIG, [file]: bytes, ...extra })).then(
    () => new Error('loaded without error'),
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(WeightsError);
  return err.message;
}

/** A torch.save-shaped zip holding `pickle` and the given storages. */
function binOf(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickle },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

const tensor = (spec: Partial<TensorSpec> = {}): TensorSpec => ({ name: 'w', numel: 6, shape: [2, 3], stride: [3, 1], ...spec });

describe('safetensors', () => {
  const header = (entries: Record<string, unknown>, data: Uint8Array[] = [f32(6)]) => safetensorsFromHeader(entries, data);
  const cases: Array<[string, Uint8Array, string]> = [
    ['truncated in the data', safetensors.subarray(0, safetensors.length - 100), 'fall outside the data section'],
    ['truncated in the header', safetensors.subarray(0, 200), 'header length'],
    ['shorter than 8 bytes', safetensors.subarray(0, 5), 'file is 5 bytes, too short for a safetensors header'],
    ['header length beyond the file', (() => {
      const b = safetensors.slice();
      new DataView(b.buffer).setBigUint64(0, BigInt(b.length - 7), true);
      return b;
    })(), `header length ${safetensors.length - 7} goes beyond the file (${safetensors.length} bytes)`],
    ['header over the 100 MB limit', (() => {
      const b = safetensors.slice();
      new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
      return b;
    })(), 'header length 1099511627776 is over the safetensors limit of 100000000 bytes'],
    ['offsets out of range', header({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [4, 28] } }), 'data_offsets [4, 28] fall outside the data section (24 bytes)'],
    ['offsets reversed', header({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }), 'data_offsets [8, 4]'],
    ['offsets overlapping', header({
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    }), 'tensor "b" data_offsets [8, 16] overlap tensor "a", which ends at 16'],
    ['shape vs byte count', header({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 24] } }), 'shape [2, 2] of F32 (16 bytes) but its data_offsets span 24 bytes'],
    ['dtype vs byte count', header({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] } }), 'shape [2, 3] of F16 (12 bytes)'],
    ['unsupported dtype', header({ w: { dtype: 'C64', shape: [3], data_offsets: [0, 24] } }), 'dtype "C64"'],
    ['negative shape', header({ w: { dtype: 'F32', shape: [-1, 6], data_offsets: [0, 24] } }), 'invalid shape [-1,6]'],
    ['header not an object', safetensorsFromHeader([] as unknown as Record<string, unknown>), 'header is not a JSON object'],
    ['invalid JSON header', (() => {
      const b = header({ w: { dtype: 'F32', shape: [6], data_offsets: [0, 24] } });
      b[8] = 0x7b + 1;
      return b;
    })(), 'header is not valid UTF-8 JSON'],
  ];
  it.each(cases)('%s', async (_name, bytes, message) => {
    const msg = await failure('model.safetensors', bytes);
    expect(msg).toContain('mem/model.safetensors: ');
    expect(msg).toContain(message);
  });
});

describe('pytorch_model.bin', () => {
  const dataPkl = readZip(bin, 'bin').get('pytorch_model/data.pkl') as Uint8Array;
  const entries = [...readZip(bin, 'bin')].map(([name, data]) => ({ name, data }));
  const cases: Array<[string, Uint8Array, string]> = [
    ['not a zip', new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1234\n'), 'not a zip archive'],
    ['empty', new Uint8Array(0), 'not a zip archive'],
    ['truncated zip', bin.subarray(0, bin.length - 500), 'zip archive is truncated'],
    ['truncated in the middle of the pickle', bin.subarray(0, 2000), 'zip archive is truncated'],
    ['compressed entry', writeZip(entries.map((e) => (e.name.endsWith('data.pkl') ? { ...e, method: 8 } : e))), 'entry "pytorch_model/data.pkl" is compressed (method 8)'],
    ['no data.pkl (e.g. a TorchScript archive)', writeZip([{ name: 'model/constants.pkl', data: dataPkl }]), 'no <name>/data.pkl'],
    ['missing storage entry', writeZip(entries.filter((e) => e.name !== 'pytorch_model/data/7')), 'storage "7" has no zip entry pytorch_model/data/7'],
    ['storage shorter than declared', writeZip(entries.map((e) => (e.name === 'pytorch_model/data/7' ? { ...e, data: e.data.subarray(4) } : e))), 'storage "7" holds 4092 bytes but 1024 float32 elements need 4096'],
    ['big-endian storages', writeZip([...entries, { name: 'pytorch_model/byteorder', data: new TextEncoder().encode('big') }]), 'big-endian'],
    ['truncated pickle', binOf(dataPkl.subarray(0, 500)), 'pickle is truncated'],
    ['view past the end of its storage', binOf(stateDictPickle([tensor({ offset: 1 })]), { 0: f32(6) }), 'tensor "w" (offset 1, shape [2, 3], stride [3, 1]) reads element 6 of storage "0", which has 6'],
    ['stride past the end of its storage', binOf(stateDictPickle([tensor({ stride: [1, 3] })]), { 0: f32(6) }), 'reads element 7'],
    ['broadcast (stride 0) view', binOf(stateDictPickle([tensor({ numel: 3, shape: [1000, 3], stride: [0, 1] })]), { 0: f32(3) }), 'broadcast views are not supported'],
    ['unsupported storage type', binOf(stateDictPickle([tensor({ storageType: 'ComplexFloatStorage' })]), { 0: f32(12) }), 'forbidden global torch.ComplexFloatStorage'],
    ['storage declared twice differently', binOf(stateDictPickle([tensor(), tensor({ name: 'v', numel: 3, shape: [3], stride: [1] })]), { 0: f32(6) }), 'storage "0" is declared twice'],
    ['not a dict', binOf(concat([P.proto(), P.ints([1, 2]), P.stop()])), 'the pickle holds a tuple of 2, not a state dict'],
    ['non-tensor value', binOf(concat([P.proto(), P.orderedDict(), P.mark(), P.str('w'), P.int(3), P.setitems(), P.stop()])), '"w" is number 3, not a tensor'],
    ['a huge list', binOf(concat([P.proto(), op(0x5d), P.mark(), ...Array.from({ length: 300_000 }, () => op(0x4b, 1)), op(0x65), P.stop()])), 'the pickle holds a list, not a state dict'],
    ['protocol 0/1', binOf(concat([P.proto(1), P.stop()])), 'uses protocol 1'],
    ['forbidden opcode', binOf(concat([P.proto(), op(0x81), P.stop()])), 'opcode NEWOBJ (0x81) is not allowed'],
    ['unknown opcode', binOf(concat([P.proto(), op(0xff), P.stop()])), 'opcode 0xff (unknown)'],
    ['memo read before write', binOf(concat([P.proto(), op(0x68, 9), P.stop()])), 'reads memo slot 9, which was never written'],
    ['legacy file with a bad magic number', concat([P.proto(), P.int(7), P.stop()]), 'bad magic number'],
  ];
  it.each(cases)('%s', async (_name, bytes, message) => {
    const msg = await failure('pytorch_model.bin', bytes);
    expect(msg).toContain('mem/pytorch_model.bin');
    expect(msg).toContain(message);
  });

  const hostile: Array<[string, Uint8Array, string]> = [
    ['os.system (GLOBAL)', readBytes(join(IO_FIXTURES, 'hostile.bin')), 'forbidden global os.system'],
    ['posix.system (STACK_GLOBAL, protocol 4)', binOf(concat([P.proto(4), P.stackGlobal('posix', 'system'), P.str('id'), op(0x85), P.reduce(), P.stop()])), 'forbidden global posix.system'],
    ['builtins.eval', binOf(concat([P.proto(), P.global('builtins', 'eval'), P.stop()])), 'forbidden global builtins.eval'],
    ['torch.load inside a tensor', binOf(concat([P.proto(), P.global('torch', 'load'), P.stop()])), 'forbidden global torch.load'],
    ['calling a storage class', binOf(concat([P.proto(), P.global('torch', 'FloatStorage'), P.emptyTuple(), P.reduce(), P.stop()])), 'calls torch.FloatStorage, which is not a function a state dict uses'],
    ['BUILD on a tensor (__setstate__)', binOf(concat([P.proto(), P.global('torch', 'FloatStorage'), P.orderedDict(), op(0x62), P.stop()])), 'BUILD sets state on torch.FloatStorage'],
  ];
  it.each(hostile)('refuses a hostile pickle: %s', async (_name, bytes, message) => {
    const msg = await failure('pytorch_model.bin', bytes);
    expect(msg).toContain(message);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('names the opcode position', () => {
    expect(() => readTorchBin(binOf(concat([P.proto(), op(0x81), P.stop()])), 'x.bin')).toThrow('x.bin (archive/data.pkl): pickle opcode NEWOBJ (0x81) is not allowed in a state dict (at byte 2)');
  });
});

function op(...bytes: number[]): Uint8Array {
  return new Uint8Array(bytes);
}

describe('JSON weights and config', () => {
  const tensors = new Map([['w', new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3])]]);
  const cases: Array<[string, string, string, Record<string, string>?]> = [
    ['invalid JSON', '{"config": {}, "weights": {', 'mem/model.json: invalid JSON'],
    ['no weights', '{"config": {}}', '"weights" is missing or not an object'],
    ['a list, not an object', '[1, 2]', 'expected a JSON object with "config" and "weights"'],
    ['data length vs shape', '{"weights": {"w": {"shape": [2, 3], "data": [1, 2, 3]}}}', 'tensor "w" has shape [2, 3] (6 values) but 3 data values'],
    ['nested data vs shape', '{"weights": {"w": {"shape": [2, 3], "data": [[1, 2, 3], [4, 5]]}}}', 'nested data does not match shape [2, 3] at dimension 1'],
    ['non-number value', '{"weights": {"w": {"shape": [2], "data": [1, "x"]}}}', 'tensor "w": data[1] is "x", not a number'],
    ['bad shape', '{"weights": {"w": {"shape": [1.5], "data": [1]}}}', 'tensor "w" has an invalid shape [1.5]'],
    ['config not an object', '{"config": 3, "weights": {}}', '"config" is not an object'],
    ['no config anywhere', '{"weights": {}}', 'has no "config" and there is no config.json'],
  ];
  it.each(cases)('model.json: %s', async (name, text, message) => {
    const files: Record<string, string> = name === 'no config anywhere' ? { 'model.json': text } : { 'config.json': CONFIG, 'model.json': text };
    const err = await loadCheckpoint(memorySource(files)).then(() => new Error('loaded without error'), (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toContain(message);
    expect(err.message).toContain('mem/model.json');
  });

  it('invalid config.json names it', async () => {
    const err = await loadCheckpoint(memorySource({ 'config.json': '{"hidden_size": 32,}', 'model.safetensors': writeSafetensors(tensors) })).then(() => new Error('loaded without error'), (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toMatch(/^mem\/config\.json: invalid JSON/);
  });

  it('no weights at all lists what was looked for', async () => {
    await expect(loadCheckpoint(memorySource({ 'config.json': CONFIG }))).rejects.toThrow(
      'mem: no weights file found (looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json, model.json)',
    );
  });
});

describe('sharded checkpoints', () => {
  const shard = (names: string[]): Uint8Array => writeSafetensors(new Map(names.map((n) => [n, new Tensor(new Float32Array([1, 2]), [2])])));
  const index = (map: Record<string, unknown>): string => JSON.stringify({ metadata: {}, weight_map: map });
  const cases: Array<[string, Record<string, Uint8Array | string>, string]> = [
    ['an index pointing at a missing shard', {
      'model.safetensors.index.json': index({ a: 's1.safetensors', b: 's2.safetensors' }),
      's1.safetensors': shard(['a']),
    }, 'mem/model.safetensors.index.json: shard s2.safetensors is missing (mem/s2.safetensors)'],
    ['a shard path escaping the folder', { 'model.safetensors.index.json': index({ a: '../secret.safetensors' }) }, 'tensor "a" points at "../secret.safetensors", which is not a file name in the same folder'],
    ['a shard URL', { 'model.safetensors.index.json': index({ a: 'https://evil.example/x' }) }, 'not a file name in the same folder'],
    ['no weight_map', { 'model.safetensors.index.json': '{"metadata": {}}' }, 'mem/model.safetensors.index.json: has no "weight_map" object'],
    ['an empty weight_map', { 'model.safetensors.index.json': index({}) }, '"weight_map" is empty'],
    ['invalid JSON', { 'model.safetensors.index.json': '{"weight_map": ' }, 'mem/model.safetensors.index.json: invalid JSON'],
    ['a tensor missing from its shard', {
      'model.safetensors.index.json': index({ a: 's1.safetensors', b: 's1.safetensors' }),
      's1.safetensors': shard(['a']),
    }, 'mem/s1.safetensors: has no tensor "b", which model.safetensors.index.json places there'],
    ['a tensor in two shards', {
      'model.safetensors.index.json': index({ a: 's1.safetensors', b: 's2.safetensors' }),
      's1.safetensors': shard(['a', 'b']),
      's2.safetensors': shard(['b']),
    }, 'mem/s2.safetensors: tensor "b" is also in shard s1.safetensors'],
    ['a corrupt shard', {
      'model.safetensors.index.json': index({ a: 's1.safetensors' }),
      's1.safetensors': shard(['a']).subarray(0, 20),
    }, 'mem/s1.safetensors: header length'],
    ['a .bin index pointing at a missing shard', {
      'pytorch_model.bin.index.json': index({ a: 'pytorch_model-00001-of-00002.bin' }),
    }, 'mem/pytorch_model.bin.index.json: shard pytorch_model-00001-of-00002.bin is missing'],
    ['a .bin shard that is not a zip', {
      'pytorch_model.bin.index.json': index({ a: 'p1.bin' }),
      'p1.bin': 'hello',
    }, 'mem/p1.bin: not a zip archive'],
  ];
  it.each(cases)('%s', async (_name, files, message) => {
    const err = await loadCheckpoint(memorySource({ 'config.json': CONFIG, ...files })).then(() => new Error('loaded without error'), (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toContain(message);
  });
});

describe('existing folders with bad files', () => {
  it('a bad file in a folder is named by its full path', async () => {
    const dir = join(IO_FIXTURES, 'sharded_bin');
    const files = memorySource({ 'config.json': CONFIG, 'pytorch_model.bin': bin.subarray(0, 100) }, dir);
    await expect(loadCheckpoint(files)).rejects.toThrow(`${dir}/pytorch_model.bin: zip archive is truncated`);
  });
});
