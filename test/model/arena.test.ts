// A model reuses its activation buffers across forwards (model/arena.ts): what a forward returns must stay
// intact through later forwards, and reusing buffers grown by a larger batch must not change any result.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebertaForSequenceClassification, DebertaModel } from '../../src/index.js';
import { FixtureInputs, modelDir, readJsonFile } from '../helpers/fixtures.js';

const root = modelDir('v3_base_like');
const inputs = readJsonFile<FixtureInputs>(join(root, 'inputs.json'));
const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
const one = { inputIds: [inputs.input_ids[0].slice(0, 5)] };

describe('activation buffers reused across forwards', () => {
  for (const padding of ['compute', 'skip'] as const) {
    it(`(${padding}) returned outputs survive later forwards, and results do not depend on what ran before`, async () => {
      const model = await DebertaModel.fromPretrained(root);
      const fresh = await DebertaModel.fromPretrained(root);
      const first = await model.forward(batch, { padding, outputHiddenStates: true });
      const kept = first.lastHiddenState.data.slice();
      const keptLayer1 = first.hiddenStates![1].data.slice();
      const small = await model.forward(one, { padding }); // reuses (a prefix of) the same buffers
      const again = await model.forward(batch, { padding });
      expect(Array.from(first.lastHiddenState.data)).toEqual(Array.from(kept));
      expect(Array.from(first.hiddenStates![1].data)).toEqual(Array.from(keptLayer1));
      expect(Array.from(again.lastHiddenState.data)).toEqual(Array.from(kept));
      expect(Array.from(small.lastHiddenState.data)).toEqual(Array.from((await fresh.forward(one, { padding })).lastHiddenState.data));
      expect(model.arena.byteLength).toBeGreaterThan(0);
      model.dispose();
      expect(model.arena.byteLength).toBe(0);
      fresh.dispose();
    });
  }

  it('task heads too (their backbone buffers are reused under the logits they return)', async () => {
    const m = await DebertaForSequenceClassification.fromPretrained(join(root, 'heads', 'sequence_classification'));
    const a = await m.forward(batch);
    const kept = a.logits.data.slice();
    await m.forward(one);
    expect(Array.from(a.logits.data)).toEqual(Array.from(kept));
    expect(Array.from((await m.forward(batch)).logits.data)).toEqual(Array.from(kept));
  });
});
