import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  DebertaForMaskedLM,
  DebertaForMultipleChoice,
  DebertaForQuestionAnswering,
  DebertaForSequenceClassification,
  DebertaForTokenClassification,
  DebertaModel,
} from '../../src/index.js';
import { FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile, V1_CASES, V2_CASES } from '../helpers/fixtures.js';

// Fixture README tolerances: hidden states 1e-4, logits 2e-4 (float32 vs float64 spread <= 3.5e-5 on logits).
const LOGITS_ATOL = 2e-4;
const HIDDEN_ATOL = 1e-4;

interface HeadCase {
  model: string;
  head: string;
  dir: string;
}

/** maxAbsDiff over [batch, seq, n] restricted to positions whose mask is 1. */
function maxAbsDiffWhere(actual: Float32Array, expected: unknown, mask: number[][], n: number): number {
  const flat = (expected as unknown[]).flat(Infinity) as number[];
  const L = mask[0].length;
  let m = 0;
  mask.forEach((row, b) => row.forEach((keep, t) => {
    if (!keep) return;
    for (let v = 0; v < n; v++) {
      const i = (b * L + t) * n + v;
      m = Math.max(m, Math.abs(actual[i] - flat[i]));
    }
  }));
  return m;
}

const cases: HeadCase[] = [];
for (const model of [...V2_CASES, ...V1_CASES]) {
  const expected = readJsonFile<FixtureExpected>(join(modelDir(model), 'expected.json'));
  for (const [head, e] of Object.entries(expected.heads ?? {})) cases.push({ model, head, dir: e.dir });
}

describe.each(cases)('$model / $head matches expected.json', ({ model, head, dir }) => {
  const root = modelDir(model);
  const inputs = readJsonFile<FixtureInputs>(join(root, 'inputs.json'));
  const expected = readJsonFile<FixtureExpected>(join(root, 'expected.json'));
  const want = expected.heads![head];
  const folder = join(root, dir);
  const batchInputs = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };

  it('at every position', async () => {
    switch (head) {
      case 'masked_lm':
      case 'lm_predictions':
      case 'emd': {
        const m = await DebertaForMaskedLM.fromPretrained(folder);
        expect(m.lmHead.layout).toBe(head === 'masked_lm' ? 'legacy' : 'lm_predictions');
        const out = await m.forward(batchInputs, { decoder: head === 'emd' ? 'emd' : 'standard', outputHiddenStates: true });
        expect(out.logits.shape).toEqual([inputs.input_ids.length, inputs.input_ids[0].length, m.config.vocabSize]);
        if (head === 'lm_predictions') {
          // Produced by transformers main, whose padded query rows attend uniformly instead of to nothing
          // (fixture README, "Padded positions"); we follow 4.40.2 there, so compare where attention_mask is 1.
          expect(maxAbsDiffWhere(out.logits.data, want.logits, inputs.attention_mask, m.config.vocabSize)).toBeLessThan(LOGITS_ATOL);
        } else {
          expect(maxAbsDiff(out.logits.data, want.logits)).toBeLessThan(LOGITS_ATOL);
        }
        // outputHiddenStates works on heads as on the backbone
        expect(maxAbsDiff(out.hiddenStates![out.hiddenStates!.length - 1].data, expected.last_hidden_state)).toBeLessThan(HIDDEN_ATOL);
        break;
      }
      case 'sequence_classification': {
        const m = await DebertaForSequenceClassification.fromPretrained(folder);
        const out = await m.forward(batchInputs);
        expect(out.logits.shape).toEqual([inputs.input_ids.length, 3]);
        expect(maxAbsDiff(out.logits.data, want.logits)).toBeLessThan(LOGITS_ATOL);
        break;
      }
      case 'token_classification': {
        const m = await DebertaForTokenClassification.fromPretrained(folder);
        const out = await m.forward(batchInputs);
        expect(out.logits.shape).toEqual([inputs.input_ids.length, inputs.input_ids[0].length, 4]);
        expect(maxAbsDiff(out.logits.data, want.logits)).toBeLessThan(LOGITS_ATOL);
        break;
      }
      case 'question_answering': {
        const m = await DebertaForQuestionAnswering.fromPretrained(folder);
        const out = await m.forward(batchInputs);
        expect(maxAbsDiff(out.startLogits.data, want.start_logits)).toBeLessThan(LOGITS_ATOL);
        expect(maxAbsDiff(out.endLogits.data, want.end_logits)).toBeLessThan(LOGITS_ATOL);
        break;
      }
      case 'multiple_choice': {
        const m = await DebertaForMultipleChoice.fromPretrained(folder);
        const mc = inputs.multiple_choice!;
        const out = await m.forward({ inputIds: mc.input_ids, attentionMask: mc.attention_mask, tokenTypeIds: mc.token_type_ids });
        expect(out.logits.shape).toEqual([mc.input_ids.length, mc.input_ids[0].length]);
        expect(maxAbsDiff(out.logits.data, want.logits)).toBeLessThan(LOGITS_ATOL);
        break;
      }
      default:
        throw new Error(`no test for head ${head}`);
    }
  });
});

it('every head folder of the fixtures is covered', () => {
  expect(new Set(cases.map((c) => c.head))).toEqual(
    new Set(['masked_lm', 'lm_predictions', 'emd', 'sequence_classification', 'token_classification', 'question_answering', 'multiple_choice']),
  );
  expect(cases.length).toBe(19);
});

it('a head checkpoint loads as a bare DebertaModel with the same hidden states', async () => {
  const root = modelDir('v3_base_like');
  const inputs = readJsonFile<FixtureInputs>(join(root, 'inputs.json'));
  const expected = readJsonFile<FixtureExpected>(join(root, 'expected.json'));
  const m = await DebertaModel.fromPretrained(join(root, 'heads', 'sequence_classification'));
  const out = await m.forward({ inputIds: inputs.input_ids, attentionMask: inputs.attention_mask });
  expect(maxAbsDiff(out.lastHiddenState.data, expected.last_hidden_state)).toBeLessThan(HIDDEN_ATOL);
});
