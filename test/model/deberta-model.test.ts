import { describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/index.js';
import { FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile, V1_CASES, V2_CASES } from '../helpers/fixtures.js';
import { join } from 'node:path';

// Tolerances from the fixture README: hidden states atol 1e-4 (float32 vs float64 spread is <= 6.3e-6).
const HIDDEN_ATOL = 1e-4;

describe.each([...V2_CASES, ...V1_CASES])('DebertaModel parity with transformers 4.40.2: %s', (name) => {
  const dir = modelDir(name);
  const inputs = readJsonFile<FixtureInputs>(join(dir, 'inputs.json'));
  const expected = readJsonFile<FixtureExpected>(join(dir, 'expected.json'));

  it('matches last_hidden_state and every hidden state at every position, padded rows included', async () => {
    const model = await DebertaModel.fromPretrained(dir);
    const out = await model.forward(
      { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids },
      { outputHiddenStates: true },
    );
    const batch = inputs.input_ids.length;
    const seq = inputs.input_ids[0].length;
    expect(out.lastHiddenState.shape).toEqual([batch, seq, model.config.hiddenSize]);
    expect(maxAbsDiff(out.lastHiddenState.data, expected.last_hidden_state)).toBeLessThan(HIDDEN_ATOL);
    expect(out.hiddenStates).toHaveLength(expected.hidden_states.length);
    out.hiddenStates!.forEach((h, i) => {
      expect(maxAbsDiff(h.data, expected.hidden_states[i]), `hidden_states[${i}]`).toBeLessThan(HIDDEN_ATOL);
    });
  });

  it('builds relative_pos exactly (or none without relative attention)', async () => {
    const model = await DebertaModel.fromPretrained(dir);
    const seq = inputs.input_ids[0].length;
    if (expected.relative_pos === undefined) {
      expect(model.config.relativeAttention).toBe(false);
      expect(model.encoder.relativeContext(seq)).toBeNull();
    } else {
      expect(Array.from(model.encoder.relativePositions(seq))).toEqual(expected.relative_pos.flat());
    }
  });
});
