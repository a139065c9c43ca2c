import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { float32ToJson, readJsonWeights, saveJson, toJson } from '../../src/io/json-weights.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectSameTensors, rng } from './helpers.js';

describe('JSON weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deberta-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every float32 exactly, including specials', () => {
    const r = rng(7);
    const values = new Float32Array(2000);
    const bits = new Uint32Array(values.buffer);
    for (let i = 0; i < values.length; i++) bits[i] = Math.floor(r() * 2 ** 32);
    values.set([0, -0, Infinity, -Infinity, NaN, 1.4e-45, 3.4028234663852886e38, 0.1, 1 / 3], 0);
    const tensors = new Map([
      ['a', new Tensor(values, [40, 50])],
      ['scalar', new Tensor(new Float32Array([2.5]), [])],
      ['empty', new Tensor(new Float32Array(0), [0, 3])],
    ]);
    const back = readJsonWeights(toJson({ hidden_size: 4 }, tensors));
    expect(back.config).toEqual({ hidden_size: 4 });
    expectSameTensors(back.tensors, tensors);
  });

  it('writes the shortest decimal that reads back as the same float32', () => {
    expect(float32ToJson(Math.fround(0.1))).toBe('0.1');
    expect(float32ToJson(Math.fround(1 / 3))).toBe('0.33333334');
    expect(float32ToJson(Math.fround(-2.5e-8))).toBe('-2.5e-8');
    expect(float32ToJson(16777216)).toBe('16777216');
    expect(float32ToJson(-0)).toBe('-0');
    expect(float32ToJson(NaN)).toBe('"NaN"');
  });

  it('reads nested data matching the shape', () => {
    const { tensors } = readJsonWeights('{"config": {}, "weights": {"w": {"shape": [2, 2], "data": [[1, 2], [3, "-Infinity"]]}}}');
    expect(Array.from(tensors.get('w')?.data ?? [])).toEqual([1, 2, 3, -Infinity]);
  });

  it('saveJson writes a file that loadCheckpoint reads from a folder (config from model.json)', async () => {
    const tensors = new Map([['embeddings.word_embeddings.weight', new Tensor(new Float32Array([0.5, -1.25, 3, 4]), [2, 2])]]);
    await saveJson(join(dir, 'model.json'), { model_type: 'deberta', hidden_size: 2 }, tensors);
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weights['embeddings.word_embeddings.weight'].data).toEqual([0.5, -1.25, 3, 4]);
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.format).toBe('json');
    expect(ckpt.config).toEqual({ model_type: 'deberta', hidden_size: 2 });
    expectSameTensors(ckpt.tensors, tensors);
  });
});
