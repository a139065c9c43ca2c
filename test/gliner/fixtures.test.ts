// Every GLiNER fixture case (outputs of GLiNER v0.2.27 itself) and every mode: processor tensors, backbone,
// logits and decoded entities.
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { GlinerModel } from '../../src/index.js';
import { buildInput, spanCandidates } from '../../src/gliner/processor.js';
import { splitWords } from '../../src/gliner/words.js';
import { CASES, caseSource, expected, flat, maxAbsDiff, modeOptions } from './helpers.js';

/** Max abs diffs seen, printed at the end for the report. */
const seen: string[] = [];
afterAll(() => console.log(seen.join('\n')));
// long_truncated warns of its dropped words (checked in predict.test.ts); keep the output readable.
let warn: MockInstance;
beforeAll(() => (warn = vi.spyOn(console, 'warn').mockImplementation(() => {})));
afterAll(() => warn.mockRestore());

describe.each(CASES)('GLiNER fixture %s', (c) => {
  const exp = expected(c);
  const load = GlinerModel.fromPretrained(caseSource(c));

  it.each(exp.inputs.map((i) => [i.id, i] as const))('%s: words, processor tensors', async (_id, input) => {
    const model = await load;
    const words = splitWords(input.text);
    expect(words.map((w) => [w.text, w.start, w.end])).toEqual(input.words.map((w) => [w.text, w.start_utf16, w.end_utf16]));
    expect(words.length).toBe(input.num_words);
    const used = words.slice(0, model.config.maxLen);
    expect(used.length).toBe(input.num_words_used);
    const built = buildInput(model.tokenizer, used, words.length, input.entity_types, '<<ENT>>', '<<SEP>>');
    expect(built.inputIds).toEqual(input.input_ids[0]);
    expect([...built.wordsMask]).toEqual(input.words_mask[0]);
    // text_lengths: the words the model sees, counted from the code's words mask (first pieces)
    expect(Math.max(...built.wordsMask)).toBe(input.text_lengths[0][0]);
    if (input.span_idx !== undefined && input.span_mask !== undefined) {
      const { spanIdx, spanMask } = spanCandidates(used.length, model.config.maxWidth);
      // The processor's span_idx before masking; masked entries are (0, 0) in ours.
      const masked = input.span_idx[0].flatMap(([s, e], i) => (input.span_mask![0][i] ? [s, e] : [0, 0]));
      expect([...spanIdx]).toEqual(masked);
      expect([...spanMask]).toEqual(input.span_mask[0]);
    }
  });

  it.each(exp.inputs.map((i) => [i.id, i] as const))('%s: backbone and logits within 1e-4', async (id, input) => {
    const model = await load;
    const { lastHiddenState } = await model.backbone.forward({ inputIds: input.input_ids });
    const dBackbone = maxAbsDiff(lastHiddenState.data, flat(input.backbone_last_hidden_state));
    const { logits } = await model.forward(input.text, input.labels);
    expect(logits.shape).toEqual(input.logits_shape);
    const dLogits = maxAbsDiff(logits.data, flat(input.logits));
    seen.push(`${c}/${id}: backbone ${dBackbone.toExponential(2)} logits ${dLogits.toExponential(2)}`);
    expect(dBackbone).toBeLessThan(1e-4);
    expect(dLogits).toBeLessThan(1e-4);
  });

  it.each(exp.inputs.flatMap((i) => exp.modes.map((m) => [i.id, m, i] as const)))('%s %s: entities identical', async (_id, mode, input) => {
    const model = await load;
    const got = await model.predictEntities(input.text, input.labels, { threshold: input.threshold, ...modeOptions(mode) });
    const want = input.predictions[mode].map((e) => {
      // GLiNER's offsets are code points; ours UTF-16 units.
      const cp = [...input.text];
      const start = cp.slice(0, e.start).join('').length;
      const end = cp.slice(0, e.end).join('').length;
      return { ...e, start, end };
    });
    expect(got.map(({ score, ...rest }) => rest)).toEqual(want.map(({ score, ...rest }) => rest));
    got.forEach((e, i) => expect(Math.abs(e.score - want[i].score)).toBeLessThan(1e-4));
    got.forEach((e) => expect(e.text).toBe(input.text.slice(e.start, e.end)));
  });

  it('batched: the same entities as one text at a time, whitespace-only texts give []', async () => {
    const model = await load;
    const { texts, labels, threshold } = exp.batched;
    const common = labels[0];
    for (const mode of Object.keys(exp.batched.outputs)) {
      const options = { threshold, ...modeOptions(mode) };
      const batch = await model.predictEntities(texts, common, { ...options, batchSize: 3 });
      expect(batch).toHaveLength(texts.length);
      expect(batch[texts.length - 1]).toEqual([]);
      for (let i = 0; i < texts.length; i++) {
        const single = await model.predictEntities(texts[i], common, options);
        expect(batch[i].map((e) => [e.start, e.end, e.label])).toEqual(single.map((e) => [e.start, e.end, e.label]));
        batch[i].forEach((e, j) => expect(Math.abs(e.score - single[j].score)).toBeLessThan(1e-5));
      }
      // The first text's labels are the batch's: its expected entities apply (offsets converted).
      const first = exp.batched.outputs[mode][0];
      const cp = [...texts[0]];
      expect(batch[0].map((e) => [e.start, e.end, e.label])).toEqual(
        first.map((e) => [cp.slice(0, e.start).join('').length, cp.slice(0, e.end).join('').length, e.label]),
      );
    }
  });

  afterAll(async () => (await load).dispose());
});
