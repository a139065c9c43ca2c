// Every weights format loads to the same tensors as the F32 safetensors, and the model gives the same output.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../../src/io/checkpoint.js';
import { toJson } from '../../src/io/json-weights.js';
import { readZip } from '../../src/io/zip.js';
import { DebertaModel } from '../../src/model/deberta-model.js';
import { Tensor, type TensorMap } from '../../src/tensor/tensor.js';
import { expectSameTensors, IO_FIXTURES, memorySource, modelDir, readBytes, readJsonFile, writeSafetensors, writeZip } from './helpers.js';

const V1 = modelDir('v1_base');
const config = readBytes(join(V1, 'config.json'));
const bin = readBytes(join(V1, 'pytorch_model.bin'));

interface Inputs {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

async function lastHiddenState(ckpt: Checkpoint, inputsDir: string): Promise<Float32Array> {
  const inputs = readJsonFile<Inputs>(join(inputsDir, 'inputs.json'));
  const model = DebertaModel.fromWeights(ckpt.config as Record<string, unknown>, ckpt.tensors);
  const out = await model.forward({ inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids });
  return out.lastHiddenState.data;
}

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The tensors split over `n` safetensors shards with an index, as save_pretrained shards them. */
function shardSafetensors(tensors: TensorMap, n: number): Record<string, Uint8Array | string> {
  const names = [...tensors.keys()];
  const files: Record<string, Uint8Array | string> = {};
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < n; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    const part: TensorMap = new Map();
    for (const name of names.filter((_, i) => i % n === s)) {
      part.set(name, tensors.get(name) as Tensor);
      weightMap[name] = file;
    }
    files[file] = writeSafetensors(part);
  }
  files['model.safetensors.index.json'] = JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap });
  return files;
}

describe('every format loads the same tensors as the F32 safetensors (v1_base)', async () => {
  const reference = await loadCheckpoint(V1);
  const referenceOut = await lastHiddenState(reference, V1);

  it('the reference is the F32 safetensors', () => {
    expect(reference.format).toBe('safetensors');
    expect(reference.files).toEqual(['model.safetensors']);
    expect(reference.tensors.size).toBe(52);
  });

  const cases: Array<[string, Record<string, Uint8Array | string>, Checkpoint['format']]> = [
    ['pytorch_model.bin', { 'config.json': config, 'pytorch_model.bin': bin }, 'pytorch'],
    ['pytorch_model.bin written by torch 2.x (archive/ prefix, byteorder entry)', {
      'config.json': config,
      'pytorch_model.bin': writeZip([
        ...[...readZip(bin, 'bin')].map(([name, data]) => ({ name: name.replace(/^pytorch_model\//, 'archive/'), data })),
        { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
      ]),
    }, 'pytorch'],
    ['pytorch_model.bin.index.json', {
      'config.json': config,
      'pytorch_model-00001-of-00001.bin': bin,
      'pytorch_model.bin.index.json': JSON.stringify({
        weight_map: Object.fromEntries([...reference.tensors.keys()].map((k) => [k, 'pytorch_model-00001-of-00001.bin'])),
      }),
    }, 'pytorch-sharded'],
    ['model.safetensors.index.json (3 shards)', { 'config.json': config, ...shardSafetensors(reference.tensors, 3) }, 'safetensors-sharded'],
    ['model.json with config.json', { 'config.json': config, 'model.json': toJson({ ignored: true }, reference.tensors) }, 'json'],
    ['model.json alone (its config is used)', {
      'model.json': toJson(JSON.parse(new TextDecoder().decode(config)), reference.tensors),
    }, 'json'],
  ];

  it.each(cases)('%s', async (_name, files, format) => {
    const ckpt = await loadCheckpoint(memorySource(files));
    expect(ckpt.format).toBe(format);
    expect(ckpt.config).toEqual(reference.config);
    expectSameTensors(ckpt.tensors, reference.tensors);
    expect(maxAbsDiff(await lastHiddenState(ckpt, V1), referenceOut)).toBeLessThanOrEqual(1e-6);
  });

  it('prefers model.safetensors over the other formats, in transformers order', async () => {
    const broken = 'not read';
    const all = { 'config.json': config, 'model.safetensors': readBytes(join(V1, 'model.safetensors')), 'pytorch_model.bin': broken, 'model.json': broken };
    expect((await loadCheckpoint(memorySource(all))).format).toBe('safetensors');
    const noSafetensors = { 'config.json': config, 'pytorch_model.bin': bin, 'pytorch_model.bin.index.json': broken, 'model.json': broken };
    expect((await loadCheckpoint(memorySource(noSafetensors))).format).toBe('pytorch');
  });
});

describe('half-precision checkpoints are upcast to float32', () => {
  it('v3_base_like/fp16 (F16 safetensors) matches its own expected last_hidden_state', async () => {
    const dir = modelDir('v3_base_like');
    const ckpt = await loadCheckpoint(join(dir, 'fp16'));
    const f32 = await loadCheckpoint(dir);
    expect([...ckpt.tensors.keys()].sort()).toEqual([...f32.tensors.keys()].sort());
    for (const [name, t] of f32.tensors) {
      const half = ckpt.tensors.get(name) as Tensor;
      expect(half.shape, name).toEqual(t.shape);
      // Rounding to float16 moves a value by at most half an ulp: 2^-11 relative for normal numbers.
      for (let i = 0; i < t.size; i++) expect(Math.abs(half.data[i] - t.data[i])).toBeLessThanOrEqual(Math.abs(t.data[i]) * 2 ** -11 + 2 ** -25);
    }
    const expected = readJsonFile<{ fp16_weights: { last_hidden_state: number[][][] } }>(join(dir, 'expected.json'));
    const got = await lastHiddenState(ckpt, dir);
    expect(maxAbsDiff(got, expected.fp16_weights.last_hidden_state.flat(2))).toBeLessThanOrEqual(1e-4);
  });
});

describe('small torch.save and safetensors fixtures match the values torch gives', async () => {
  const { readTorchBin } = await import('../../src/io/torch-bin.js');
  const { readSafetensors } = await import('../../src/io/safetensors.js');
  type Expected = Record<string, Record<string, { shape: number[]; data: Array<number | string> }>>;
  const expected = readJsonFile<Expected>(join(IO_FIXTURES, 'expected.json'));
  const toTensors = (e: Expected[string]): TensorMap =>
    new Map(Object.entries(e).map(([k, v]) => [k, new Tensor(Float32Array.from(v.data, (x) => Number(x)), v.shape)]));

  it.each(Object.keys(expected).filter((f) => f !== 'sharded_bin'))('%s', (file) => {
    const bytes = readBytes(join(IO_FIXTURES, file));
    const tensors = file.endsWith('.bin') ? readTorchBin(bytes, file) : readSafetensors(bytes, file);
    expectSameTensors(tensors, toTensors(expected[file]));
  });

  it('a sharded pytorch_model.bin.index.json folder (float32 + float16 shards)', async () => {
    const ckpt = await loadCheckpoint(join(IO_FIXTURES, 'sharded_bin'));
    expect(ckpt.format).toBe('pytorch-sharded');
    expect(ckpt.files).toEqual(['pytorch_model.bin.index.json', 'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']);
    expectSameTensors(ckpt.tensors, toTensors(expected.sharded_bin));
  });

  it('shared storages: views are zero-copy where contiguous and float32', () => {
    const t = readTorchBin(readBytes(join(IO_FIXTURES, 'shared.bin')), 'shared.bin');
    const full = t.get('full') as Tensor;
    const middle = t.get('middle') as Tensor;
    expect(middle.data.buffer).toBe(full.data.buffer);
    expect(middle.data.byteOffset - full.data.byteOffset).toBe(6 * 4);
    expect(t.get('transposed')?.data.buffer).not.toBe(full.data.buffer);
  });
});
