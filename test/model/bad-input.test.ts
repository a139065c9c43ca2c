import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DebertaForMaskedLM,
  DebertaForQuestionAnswering,
  DebertaForSequenceClassification,
  DebertaModel,
  InputError,
  Tensor,
  toJson,
  WeightsError,
  type TensorMap,
} from '../../src/index.js';
import { firstNonFinite } from '../../src/model/weights.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { modelDir, readJsonFile } from '../helpers/fixtures.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** A copy of the fixture's tensors with one element of `key` replaced. */
function poisoned(source: TensorMap, key: string, index: number, value: number): TensorMap {
  const t: TensorMap = new Map(source);
  const original = source.get(key);
  if (original === undefined) throw new Error(`fixture has no ${key}`);
  const data = Float32Array.from(original.data);
  data[index] = value;
  t.set(key, new Tensor(data, original.shape));
  return t;
}

describe('non-finite weights are refused at load, naming the tensor and element', () => {
  it.each([
    // the attention path: a NaN score row would look like a padded row to the masked softmax
    ['encoder.layer.0.attention.self.query_proj.weight', 5, NaN, '[0, 5]'],
    ['encoder.layer.1.attention.self.key_proj.bias', 3, Infinity, '[3]'],
    ['encoder.rel_embeddings.weight', 40, NaN, '[1, 8]'],
    // every other kind of weight
    ['embeddings.word_embeddings.weight', 33, -Infinity, '[1, 1]'],
    ['embeddings.LayerNorm.weight', 0, NaN, '[0]'],
    ['encoder.layer.0.intermediate.dense.weight', 64, NaN, '[2, 0]'],
    ['encoder.layer.1.output.dense.bias', 31, Infinity, '[31]'],
    ['encoder.LayerNorm.bias', 2, NaN, '[2]'],
  ])('%s', (key, index, value, at) => {
    const t = poisoned(tensors, key, index, value);
    expect(() => DebertaModel.fromWeights(config, t)).toThrow(WeightsError);
    expect(() => DebertaModel.fromWeights(config, t)).toThrow(`tensor "${key}" has a non-finite value (${value}) at ${at}`);
  });

  it('in task heads, loaded from a folder', async () => {
    const head = join(dir, 'heads', 'sequence_classification');
    const headTensors = readSafetensors(new Uint8Array(readFileSync(join(head, 'model.safetensors'))));
    const headConfig = readJsonFile<Record<string, unknown>>(join(head, 'config.json'));
    const t = poisoned(headTensors, 'classifier.weight', 1, NaN);
    expect(() => DebertaForSequenceClassification.fromWeights(headConfig, t)).toThrow('tensor "classifier.weight" has a non-finite value (NaN) at [0, 1]');
    const folder = mkdtempSync(join(tmpdir(), 'deberta-nan-'));
    try {
      writeFileSync(join(folder, 'config.json'), JSON.stringify(headConfig));
      writeFileSync(join(folder, 'model.json'), toJson(headConfig, poisoned(headTensors, 'deberta.encoder.layer.0.attention.self.query_proj.weight', 0, NaN)));
      await expect(DebertaForSequenceClassification.fromPretrained(folder)).rejects.toThrow('tensor "deberta.encoder.layer.0.attention.self.query_proj.weight" has a non-finite value (NaN) at [0, 0]');
    } finally {
      rmSync(folder, { recursive: true });
    }
  });

  it('firstNonFinite finds the first bad element at every position of a short and a long array', () => {
    for (const n of [1, 3, 4, 5, 17]) {
      for (let i = 0; i < n; i++) {
        const data = new Float32Array(n).fill(-0.5);
        data[i] = NaN;
        if (i + 1 < n) data[n - 1] = Infinity;
        expect(firstNonFinite(data)).toBe(i);
      }
      expect(firstNonFinite(new Float32Array(n).fill(3.4e38))).toBe(-1);
    }
  });
});

describe('options are checked at every model entry point', () => {
  const model = DebertaModel.fromWeights(config, tensors);
  const ids = { inputIds: [[1, 7, 2]] };

  it('rejects unknown keys, naming the key, the nearest valid one and the valid ones', async () => {
    await expect(DebertaModel.fromPretrained(dir, { numThread: 2 } as never)).rejects.toThrow(
      'DebertaModel.fromPretrained: unknown option "numThread" (did you mean "numThreads"?); valid options: backend, dtype, fetch, hubUrl, numThreads, onProgress, revision, signal',
    );
    await expect(DebertaModel.fromPretrained(dir, { quantize: 'q8' } as never)).rejects.toThrow(InputError);
    await expect(DebertaModel.fromPretrained(dir, { quantize: 'q8' } as never)).rejects.toThrow('unknown option "quantize"; valid options:');
    expect(() => DebertaModel.fromWeights(config, tensors, { signal: undefined } as never)).toThrow('DebertaModel.fromWeights: unknown option "signal"');
    await expect(model.forward(ids, { outputHiddenState: true } as never)).rejects.toThrow(
      'DebertaModel.forward: unknown option "outputHiddenState" (did you mean "outputHiddenStates"?)',
    );
    await expect(DebertaForSequenceClassification.fromPretrained(join(dir, 'heads', 'sequence_classification'), { numthreads: 1 } as never)).rejects.toThrow(
      'DebertaForSequenceClassification.fromPretrained: unknown option "numthreads" (did you mean "numThreads"?)',
    );
  });

  it('rejects options that are not objects, and option values of the wrong type', async () => {
    await expect(model.forward(ids, null as never)).rejects.toThrow('DebertaModel.forward: options must be an object, got null');
    await expect(model.forward(ids, 'hidden' as never)).rejects.toThrow(InputError);
    await expect(model.forward(ids, { outputHiddenStates: 'yes' } as never)).rejects.toThrow('outputHiddenStates must be true or false, got the string "yes"');
    await expect(DebertaModel.fromPretrained(dir, 42 as never)).rejects.toThrow('options must be an object, got 42');
  });

  it('checks every head forward', async () => {
    const mlm = await DebertaForMaskedLM.fromPretrained(join(dir, 'heads', 'masked_lm'));
    await expect(mlm.forward(ids, { decoder: 'emd', positons: [] } as never)).rejects.toThrow('DebertaForMaskedLM.forward: unknown option "positons" (did you mean "positions"?)');
    await expect(mlm.forward(ids, { positions: 5 } as never)).rejects.toThrow('DebertaForMaskedLM.forward: positions must be an array of [batch, position] pairs, got 5');
    await expect(mlm.forward(ids, { positions: [[0, 1], 2] } as never)).rejects.toThrow('positions[1] must be a [batch, position] pair, got 2');
    await expect(mlm.forward(ids, { decoder: 'fast' } as never)).rejects.toThrow(`decoder must be 'standard' or 'emd', got the string "fast"`);
    const qa = await DebertaForQuestionAnswering.fromPretrained(join(dir, 'heads', 'question_answering'));
    await expect(qa.forward(ids, { topK: 1 } as never)).rejects.toThrow('DebertaForQuestionAnswering.forward: unknown option "topK"; valid options: outputAttentionTerms, outputAttentions, outputHiddenStates, padding');
    // valid options still work
    const out = await mlm.forward(ids, { positions: [[0, 1]], outputHiddenStates: true });
    expect(out.logits.shape).toEqual([1, 100]);
  });
});

describe('bad token ids are named as they are', () => {
  const model = DebertaModel.fromWeights(config, tensors);
  it.each([
    [NaN, 'inputIds[0][1] is NaN, not an integer'],
    [1n, 'inputIds[0][1] is the BigInt 1n, not an integer'],
    [Infinity, 'inputIds[0][1] is Infinity, not an integer'],
    ['7', 'inputIds[0][1] is the string "7", not an integer'],
  ])('%s', async (id, message) => {
    await expect(model.forward({ inputIds: [[1, id as number, 2]] })).rejects.toThrow(InputError);
    await expect(model.forward({ inputIds: [[1, id as number, 2]] })).rejects.toThrow(message);
  });

  it('a missing or non-object inputs argument', async () => {
    await expect(model.forward(null as never)).rejects.toThrow('forward expects { inputIds: number[][], attentionMask?, tokenTypeIds? }, got null');
    await expect(model.forward({ ids: [[1]] } as never)).rejects.toThrow('got an object without an inputIds array');
    // eslint-disable-next-line no-sparse-arrays
    await expect(model.forward({ inputIds: [[1, 2], , [1, 2]] as never })).rejects.toThrow('inputIds[1] must be an array');
  });
});
