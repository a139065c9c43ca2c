// A model keeps working when the backend changes after load: weights packed by one backend are repacked
// (once) by the other, and both give the fixture's hidden states.
import { afterEach, describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/model/deberta-model.js';
import { jsBackend, kernels, setBackend, type Backend } from '../../src/tensor/kernels.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';
import { maxAbsDiff, modelDir, readJsonFile, type FixtureExpected, type FixtureInputs } from '../helpers/fixtures.js';

describe('switching backends after load', () => {
  const initial = kernels();
  afterEach(() => setBackend(initial));

  it.each(['v3_base_like', 'v1_base'])('%s: packed by one backend, run by each', async (name) => {
    const inputs = readJsonFile<FixtureInputs>(`${modelDir(name)}/inputs.json`);
    const expected = readJsonFile<FixtureExpected>(`${modelDir(name)}/expected.json`);
    const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };
    const backends: Backend[] = [jsBackend, createWasmBackend({ relaxedSimd: false }), createWasmBackend()];
    for (const loadWith of backends) {
      setBackend(loadWith);
      const model = await DebertaModel.fromPretrained(modelDir(name));
      for (const runWith of backends) {
        setBackend(runWith);
        const { lastHiddenState } = await model.forward(batch);
        expect(maxAbsDiff(lastHiddenState.data, expected.last_hidden_state), `${loadWith.name} -> ${runWith.name}`).toBeLessThan(1e-4);
      }
    }
  });
});
