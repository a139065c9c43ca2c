import { describe, expect, it } from 'vitest';
import { ConfigError, DebertaModel, InputError, Tensor, WeightsError, type TensorMap } from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { modelDir, readJsonFile } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = modelDir('v3_base_like');
const config = readJsonFile<Record<string, unknown>>(join(dir, 'config.json'));
const tensors = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));

describe('forward rejects malformed inputs with InputError naming the problem', () => {
  const model = DebertaModel.fromWeights(config, tensors);
  it.each([
    [{ inputIds: [[1, 2, 3], [1, 2]] }, 'inputIds[1] has length 2'],
    [{ inputIds: [] }, 'empty'],
    [{ inputIds: [[]] }, 'empty'],
    [{ inputIds: [[1, 100]] }, 'inputIds[0][1] = 100 is outside [0, 100)'],
    [{ inputIds: [[1, -1]] }, 'inputIds[0][1] = -1'],
    [{ inputIds: [[1, 2.5]] }, 'inputIds[0][1] is 2.5'],
    [{ inputIds: [[1, 2]], attentionMask: [[1, 1, 1]] }, 'attentionMask[0] has length 3'],
    [{ inputIds: [[1, 2]], attentionMask: [[1, 1], [1, 1]] }, 'attentionMask has 2 rows'],
    [{ inputIds: [[1, 2]], attentionMask: [[1, 2]] }, 'attentionMask[0][1] = 2'],
    [{ inputIds: [[1, 2]], tokenTypeIds: [[0]] }, 'tokenTypeIds[0] has length 1'],
  ])('%j', async (inputs, message) => {
    await expect(model.forward(inputs as never)).rejects.toThrow(InputError);
    await expect(model.forward(inputs as never)).rejects.toThrow(message);
  });

  it('ignores token type values when the model has no token-type embeddings (as HF does)', async () => {
    const a = await model.forward({ inputIds: [[1, 5, 2]] });
    const b = await model.forward({ inputIds: [[1, 5, 2]], tokenTypeIds: [[0, 1, 1]] });
    expect(Array.from(b.lastHiddenState.data)).toEqual(Array.from(a.lastHiddenState.data));
  });

  it('rejects sequences longer than max_position_embeddings when absolute positions are used', async () => {
    const m = await DebertaModel.fromPretrained(modelDir('v1_pbi_token_types')); // max_position_embeddings 32
    await expect(m.forward({ inputIds: [Array(33).fill(1)] })).rejects.toThrow('sequence length 33 exceeds max_position_embeddings 32');
  });

  it('runs longer sequences when the model has no absolute positions (as transformers does for v3)', async () => {
    const out = await model.forward({ inputIds: [Array.from({ length: 70 }, (_, i) => (i * 7) % 100)] }); // max_position_embeddings 64
    expect(out.lastHiddenState.shape).toEqual([1, 70, 32]);
    expect(out.lastHiddenState.data.every(Number.isFinite)).toBe(true);
  });

  it('rejects token types beyond type_vocab_size when it is used', async () => {
    const d = modelDir('v1_pbi_token_types');
    const m = await DebertaModel.fromPretrained(d);
    await expect(m.forward({ inputIds: [[1, 2]], tokenTypeIds: [[0, 2]] })).rejects.toThrow('tokenTypeIds[0][1] = 2 is outside [0, 2)');
  });
});

describe('checkpoints are checked tensor by tensor', () => {
  it('names a missing tensor', () => {
    const t: TensorMap = new Map(tensors);
    t.delete('encoder.layer.1.attention.self.key_proj.bias');
    expect(() => DebertaModel.fromWeights(config, t)).toThrow(WeightsError);
    expect(() => DebertaModel.fromWeights(config, t)).toThrow('missing tensor "encoder.layer.1.attention.self.key_proj.bias"');
  });

  it('names a tensor of the wrong shape', () => {
    const t: TensorMap = new Map(tensors);
    t.set('encoder.rel_embeddings.weight', Tensor.zeros([15, 32]));
    expect(() => DebertaModel.fromWeights(config, t)).toThrow('tensor "encoder.rel_embeddings.weight" has shape [15, 32], expected [16, 32]');
  });

  it('names an unsupported config value', () => {
    expect(() => DebertaModel.fromWeights({ ...config, hidden_act: 'quick_gelu' }, tensors)).toThrow(ConfigError);
  });

  it('ignores tensors the model does not use, such as absolute positions with position_biased_input false', async () => {
    const t: TensorMap = new Map(tensors);
    t.set('embeddings.position_embeddings.weight', Tensor.zeros([64, 32]));
    t.set('some.unrelated.tensor', Tensor.zeros([3]));
    const a = await DebertaModel.fromWeights(config, tensors).forward({ inputIds: [[1, 7, 2]] });
    const b = await DebertaModel.fromWeights(config, t).forward({ inputIds: [[1, 7, 2]] });
    expect(Array.from(b.lastHiddenState.data)).toEqual(Array.from(a.lastHiddenState.data));
  });

  it('accepts a task checkpoint (keys under deberta.) and a plain object of tensors', async () => {
    const prefixed: Record<string, Tensor> = {};
    for (const [k, v] of tensors) prefixed[`deberta.${k}`] = v;
    const a = await DebertaModel.fromWeights(config, tensors).forward({ inputIds: [[1, 7, 2]] });
    const b = await DebertaModel.fromWeights(config, prefixed).forward({ inputIds: [[1, 7, 2]] });
    expect(Array.from(b.lastHiddenState.data)).toEqual(Array.from(a.lastHiddenState.data));
  });

  it('rejects something that is not a DeBERTa checkpoint', () => {
    expect(() => DebertaModel.fromWeights(config, new Map())).toThrow('not a DeBERTa checkpoint');
  });
});
