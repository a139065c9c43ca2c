// Prints the max abs diff against every PyTorch fixture (backbone and heads), for issue notes.
// Run: npx vite-node scripts/parity-report.ts
import { join } from 'node:path';
import {
  DebertaForMaskedLM,
  DebertaForMultipleChoice,
  DebertaForQuestionAnswering,
  DebertaForSequenceClassification,
  DebertaForTokenClassification,
  DebertaModel,
  defaultBackend,
} from '../src/index.js';
import { FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile, V1_CASES, V2_CASES } from '../test/helpers/fixtures.js';

console.log(`backend: ${defaultBackend().name}`);
for (const name of [...V2_CASES, ...V1_CASES]) {
  const dir = modelDir(name);
  const inputs = readJsonFile<FixtureInputs>(join(dir, 'inputs.json'));
  const expected = readJsonFile<FixtureExpected>(join(dir, 'expected.json'));
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };
  const model = await DebertaModel.fromPretrained(dir);
  const out = await model.forward(batch, { outputHiddenStates: true });
  const hidden = Math.max(...out.hiddenStates!.map((h, i) => maxAbsDiff(h.data, expected.hidden_states[i])));
  const parts = [`hidden ${hidden.toExponential(1)}`];
  for (const [head, e] of Object.entries(expected.heads ?? {})) {
    const folder = join(dir, e.dir);
    let d: number;
    if (head === 'masked_lm' || head === 'lm_predictions' || head === 'emd') {
      const m = await DebertaForMaskedLM.fromPretrained(folder);
      const logits = (await m.forward(batch, { decoder: head === 'emd' ? 'emd' : 'standard' })).logits.data;
      if (head === 'lm_predictions') {
        // transformers main differs at padded rows by design: compare valid rows
        const V = m.config.vocabSize, L = inputs.input_ids[0].length;
        const flat = (e.logits as unknown[]).flat(Infinity) as number[];
        d = 0;
        inputs.attention_mask.forEach((row, b) => row.forEach((keep, t) => {
          if (keep) for (let v = 0; v < V; v++) d = Math.max(d, Math.abs(logits[(b * L + t) * V + v] - flat[(b * L + t) * V + v]));
        }));
      } else d = maxAbsDiff(logits, e.logits);
    } else if (head === 'sequence_classification') {
      d = maxAbsDiff((await (await DebertaForSequenceClassification.fromPretrained(folder)).forward(batch)).logits.data, e.logits);
    } else if (head === 'token_classification') {
      d = maxAbsDiff((await (await DebertaForTokenClassification.fromPretrained(folder)).forward(batch)).logits.data, e.logits);
    } else if (head === 'question_answering') {
      const o = await (await DebertaForQuestionAnswering.fromPretrained(folder)).forward(batch);
      d = Math.max(maxAbsDiff(o.startLogits.data, e.start_logits), maxAbsDiff(o.endLogits.data, e.end_logits));
    } else {
      const mc = inputs.multiple_choice!;
      const o = await (await DebertaForMultipleChoice.fromPretrained(folder)).forward({ inputIds: mc.input_ids, attentionMask: mc.attention_mask, tokenTypeIds: mc.token_type_ids });
      d = maxAbsDiff(o.logits.data, e.logits);
    }
    parts.push(`${head} ${d.toExponential(1)}`);
  }
  console.log(`${name}: ${parts.join(', ')}`);
}
