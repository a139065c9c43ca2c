import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DebertaForMaskedLM,
  DebertaForMultipleChoice,
  DebertaForReplacedTokenDetection,
  DebertaForSequenceClassification,
  DebertaForTokenClassification,
  InputError,
  Tensor,
  WeightsError,
  type TensorMap,
} from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { randomArray, rng } from '../helpers/random.js';

const root = modelDir('v3_base_like');
const config = readJsonFile<Record<string, unknown>>(join(root, 'config.json'));
const inputs = readJsonFile<FixtureInputs>(join(root, 'inputs.json'));
const expected = readJsonFile<FixtureExpected>(join(root, 'expected.json'));
const backbone = readSafetensors(new Uint8Array(readFileSync(join(root, 'model.safetensors'))));
const prefixed = (): TensorMap => new Map([...backbone].map(([k, v]) => [`deberta.${k}`, v]));
const headFolder = (head: string) => join(root, 'heads', head);
const loadHead = (head: string): TensorMap => readSafetensors(new Uint8Array(readFileSync(join(headFolder(head), 'model.safetensors'))));

describe('DebertaForReplacedTokenDetection', () => {
  // There is no PyTorch fixture for this head (transformers has none). The reference below is an independent
  // float64 computation of microsoft/DeBERTa's mask_predictions head, LN(h + h[CLS]) -> dense -> gelu ->
  // Linear(hidden, 1), written here from the same weights, on the backbone's last hidden state from
  // expected.json (computed by PyTorch).
  it('matches an independent float64 computation at every position', async () => {
    const H = 32;
    const r = rng(2024);
    const t = prefixed();
    const w = {
      lnW: randomArray(H, r, 0.4).map((x) => 1 + x),
      lnB: randomArray(H, r, 0.2),
      denseW: randomArray(H * H, r, 0.3),
      denseB: randomArray(H, r, 0.2),
      clsW: randomArray(H, r, 0.3),
      clsB: randomArray(1, r, 0.2),
    };
    t.set('mask_predictions.LayerNorm.weight', new Tensor(w.lnW, [H]));
    t.set('mask_predictions.LayerNorm.bias', new Tensor(w.lnB, [H]));
    t.set('mask_predictions.dense.weight', new Tensor(w.denseW, [H, H]));
    t.set('mask_predictions.dense.bias', new Tensor(w.denseB, [H]));
    t.set('mask_predictions.classifier.weight', new Tensor(w.clsW, [1, H]));
    t.set('mask_predictions.classifier.bias', new Tensor(w.clsB, [1]));
    const model = DebertaForReplacedTokenDetection.fromWeights(config, t);
    const out = await model.forward({ inputIds: inputs.input_ids, attentionMask: inputs.attention_mask });
    const [B, L] = [inputs.input_ids.length, inputs.input_ids[0].length];
    expect(out.logits.shape).toEqual([B, L]);

    const erf = (x: number): number => {
      let term = x, sum = x;
      for (let n = 1; n < 200 && Math.abs(term) > 1e-17; n++) { term *= (2 * x * x) / (2 * n + 1); sum += term; }
      return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
    };
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      const h = expected.last_hidden_state[b];
      for (let i = 0; i < L; i++) {
        const x = h[i].map((v, j) => v + h[0][j]);
        const mean = x.reduce((a, v) => a + v, 0) / H;
        const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / H;
        const n = x.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-7)) * w.lnW[j] + w.lnB[j]);
        let logit = w.clsB[0];
        for (let o = 0; o < H; o++) {
          let y = w.denseB[o];
          for (let j = 0; j < H; j++) y += w.denseW[o * H + j] * n[j];
          logit += w.clsW[o] * (0.5 * y * (1 + erf(y / Math.SQRT2)));
        }
        want.push(logit);
      }
    }
    expect(maxAbsDiff(out.logits.data, want)).toBeLessThan(2e-4);
  });

  it('names its missing head tensors', () => {
    expect(() => DebertaForReplacedTokenDetection.fromWeights(config, prefixed())).toThrow('missing tensor "mask_predictions.LayerNorm.weight"');
  });
});

describe('head checkpoints are checked', () => {
  it('a classifier checkpoint without head tensors', () => {
    expect(() => DebertaForSequenceClassification.fromWeights(config, prefixed())).toThrow(WeightsError);
    expect(() => DebertaForSequenceClassification.fromWeights(config, prefixed())).toThrow('missing tensor "pooler.dense.weight"');
  });

  it('num_labels disagreeing with the classifier shape names both', () => {
    const t = loadHead('token_classification');
    expect(() => DebertaForTokenClassification.fromWeights({ ...config, num_labels: 7 }, t)).toThrow(
      'tensor "classifier.weight" has shape [4, 32], expected [7, 32]',
    );
  });

  it('a masked-LM checkpoint without either LM head layout', () => {
    expect(() => DebertaForMaskedLM.fromWeights(config, prefixed())).toThrow('no masked-LM head');
  });

  it('EMD on a checkpoint without position embeddings', async () => {
    const t = loadHead('lm_predictions');
    t.delete('deberta.embeddings.position_embeddings.weight');
    const m = DebertaForMaskedLM.fromWeights(readJsonFile(join(headFolder('lm_predictions'), 'config.json')), t);
    await expect(m.forward({ inputIds: [[1, 5, 2]] }, { decoder: 'emd' })).rejects.toThrow(WeightsError);
    await expect(m.forward({ inputIds: [[1, 5, 2]] }, { decoder: 'emd' })).rejects.toThrow('deberta.embeddings.position_embeddings.weight');
    // the standard decoder does not need them
    await expect(m.forward({ inputIds: [[1, 5, 2]] })).resolves.toBeDefined();
  });

  it('EMD on a sequence longer than the absolute positions', async () => {
    const m = await DebertaForMaskedLM.fromPretrained(headFolder('lm_predictions')); // max_position_embeddings 64
    const long = { inputIds: [Array.from({ length: 70 }, (_, i) => (i * 7) % 100)] };
    await expect(m.forward(long)).resolves.toBeDefined();
    await expect(m.forward(long, { decoder: 'emd' })).rejects.toThrow('sequence length 70 exceeds max_position_embeddings 64');
  });

  it('legacy layout is chosen by the keys, and config.legacy picks when both exist', () => {
    const legacy = loadHead('masked_lm');
    const both: TensorMap = new Map([...legacy, ...loadHead('lm_predictions')]);
    expect(DebertaForMaskedLM.fromWeights(config, legacy).lmHead.layout).toBe('legacy');
    expect(DebertaForMaskedLM.fromWeights(config, both).lmHead.layout).toBe('legacy');
    expect(DebertaForMaskedLM.fromWeights({ ...config, legacy: false }, both).lmHead.layout).toBe('lm_predictions');
  });

  it('masked LM computes logits only at requested positions when asked', async () => {
    const m = await DebertaForMaskedLM.fromPretrained(headFolder('masked_lm'));
    const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
    const full = await m.forward(batch);
    const some = await m.forward(batch, { positions: [[0, 3], [1, 0]] });
    const V = m.config.vocabSize;
    const L = inputs.input_ids[0].length;
    expect(some.logits.shape).toEqual([2, V]);
    expect(Array.from(some.logits.data.subarray(0, V))).toEqual(Array.from(full.logits.data.subarray(3 * V, 4 * V)));
    expect(Array.from(some.logits.data.subarray(V))).toEqual(Array.from(full.logits.data.subarray(L * V, (L + 1) * V)));
    await expect(m.forward(batch, { positions: [[2, 0]] })).rejects.toThrow(InputError);
  });

  it('multiple-choice inputs that are not [batch][choices][seq]', async () => {
    const m = await DebertaForMultipleChoice.fromPretrained(headFolder('multiple_choice'));
    await expect(m.forward({ inputIds: [[1, 2, 3]] as never })).rejects.toThrow('[batch][choices][seq]');
    await expect(m.forward({ inputIds: [[[1, 2]], [[1, 2], [1, 2]]] })).rejects.toThrow(InputError);
    await expect(m.forward({ inputIds: [[[1, 2], [1, 2]]], attentionMask: [[[1, 1]]] })).rejects.toThrow('attentionMask[0] must hold 2 sequences');
  });
});
