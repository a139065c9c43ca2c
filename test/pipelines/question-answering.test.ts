// Question answering has no Python fixture (transformers needs its Rust tokenizer's offsets for it). These
// tests run the real DeBERTa-v3 tokenizer and a stand-in model whose start/end logits are set per token, so
// every expected value follows by hand from transformers' documented semantics: per window, softmax over the
// context tokens and [CLS]; span score p(start)·p(end); answers snapped to whole words, where a word is what
// the Metaspace pre-tokenizer splits on spaces (so it keeps trailing punctuation and its leading space).
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AutoTokenizer, InputError, parseConfig, Tensor, type DebertaForQuestionAnswering, type DebertaTokenizer, type ModelInputs } from '../../src/index.js';
import { answerQuestions } from '../../src/pipelines/question-answering.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CONTEXT = 'The Eiffel Tower is in Paris, France.';
// Context tokens: ▁The [0,3) ▁Eiffel [3,10) ▁Tower [10,16) ▁is [16,19) ▁in [19,22) ▁Paris [22,28) , [28,29) ▁France [29,36) . [36,37)
const QUESTION = 'Where is the Eiffel Tower?';
const START: Record<string, number> = { '▁Paris': 5, '▁France': 2 };
const END: Record<string, number> = { '▁France': 5, '▁Paris': 3 };
const e = Math.exp;

let tokenizer: DebertaTokenizer;
let model: DebertaForQuestionAnswering;

beforeAll(async () => {
  tokenizer = await AutoTokenizer.fromPretrained(join(ROOT, 'examples', 'deberta-v3-tiny-mlm'));
  const config = parseConfig({ model_type: 'deberta-v2', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 16, vocab_size: 128100 });
  const fake = {
    config,
    async forward(inputs: ModelInputs) {
      const B = inputs.inputIds.length;
      const L = inputs.inputIds[0].length;
      const start = new Float32Array(B * L);
      const end = new Float32Array(B * L);
      inputs.inputIds.forEach((row, b) => row.forEach((id, t) => {
        const tok = tokenizer.convertIdsToTokens([id])[0];
        start[b * L + t] = START[tok] ?? 0;
        end[b * L + t] = END[tok] ?? 0;
      }));
      return { startLogits: new Tensor(start, [B, L]), endLogits: new Tensor(end, [B, L]) };
    },
  };
  model = fake as unknown as DebertaForQuestionAnswering;
});

describe('question answering (transformers semantics, hand-checked)', () => {
  // One window: [CLS] + 9 context tokens are allowed; all logits 0 except those above.
  const S = e(5) + e(2) + 8;
  const E = e(5) + e(3) + 8;

  it('ranks spans by p(start)·p(end) and snaps them to words', async () => {
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { topK: 3 });
    expect(answers.map((a) => [a.answer, a.start, a.end])).toEqual([
      [' Paris, France.', 22, 37], // (▁Paris, ▁France): words "▁Paris," and "▁France."
      [' Paris,', 22, 29], // (▁Paris, ▁Paris)
      [' France.', 29, 37], // (▁France, ▁France)
    ]);
    expect(answers[0].score).toBeCloseTo(e(10) / (S * E), 7);
    expect(answers[1].score).toBeCloseTo(e(8) / (S * E), 7);
    expect(answers[2].score).toBeCloseTo(e(7) / (S * E), 7);
  });

  it('without word alignment, answers are exactly the token spans', async () => {
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { topK: 1, alignToWords: false });
    expect(answers.map((a) => [a.answer, a.start, a.end])).toEqual([[' Paris, France', 22, 36]]);
  });

  it('maxAnswerLen bounds the span length in tokens', async () => {
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { topK: 1, maxAnswerLen: 2, alignToWords: false });
    // (▁Paris, ▁France) spans 3 tokens; the best 1-2 token span is (▁Paris, ▁Paris).
    expect(answers[0].answer).toBe(' Paris');
    expect(answers[0].score).toBeCloseTo(e(8) / (S * E), 7);
  });

  it('splits a long context into overlapping windows and answers in full-context offsets', async () => {
    // maxSeqLen 13 = [CLS] + 6 question tokens + [SEP] + 4 context tokens + [SEP]; stride 2: windows of
    // context tokens [0,4) [2,6) [4,8) [6,9). Each window normalises its own probabilities over [CLS] and its
    // context tokens, so the best span is (▁Paris, ▁Paris) in [2,6) = ▁Tower ▁is ▁in ▁Paris:
    //   e^5/(e^5 + 4) · e^3/(e^3 + 4) = 0.8122, ahead of (▁Paris, ▁France) in [4,8):
    //   e^10 / ((e^5 + e^2 + 3)(e^5 + e^3 + 3)) = 0.8093.
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { topK: 2, maxSeqLen: 13, docStride: 2 });
    expect(answers.map((a) => [a.answer, a.start, a.end])).toEqual([[' Paris,', 22, 29], [' Paris, France.', 22, 37]]);
    expect(answers[0].score).toBeCloseTo((e(5) / (e(5) + 4)) * (e(3) / (e(3) + 4)), 7);
    expect(answers[1].score).toBeCloseTo(e(10) / ((e(5) + e(2) + 3) * (e(5) + e(3) + 3)), 7);
  });

  it('handleImpossibleAnswer adds the no-answer score p_start([CLS])·p_end([CLS])', async () => {
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { topK: 100, handleImpossibleAnswer: true });
    const none = answers.find((a) => a.answer === '')!;
    expect(none).toMatchObject({ start: 0, end: 0 });
    expect(none.score).toBeCloseTo(1 / (S * E), 9);
  });

  it('rejects an empty context or question and a stride that does not fit', async () => {
    await expect(answerQuestions(model, tokenizer, [{ question: QUESTION, context: '  ' }])).rejects.toThrow('the context is empty');
    await expect(answerQuestions(model, tokenizer, [{ question: '', context: CONTEXT }])).rejects.toThrow(InputError);
    await expect(answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { maxSeqLen: 13, docStride: 4 })).rejects.toThrow('docStride 4');
  });

  it('reads a context far longer than the model limit without a length warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const long = `${'Some filler words here. '.repeat(150)}${CONTEXT}`; // about 750 tokens
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: long }], { topK: 1 });
    // Every window holding the tail scores (▁Paris, ▁France) above (▁Paris, ▁Paris), as in the short context.
    expect(answers[0].answer).toBe(' Paris, France.');
    expect(long.slice(answers[0].start, answers[0].end)).toBe(' Paris, France.');
    expect(answers[0].start).toBe(long.length - CONTEXT.length + 22);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('never returns a span through [CLS], even when topK exceeds the spans there are', async () => {
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: 'Paris' }], { topK: 3 });
    expect(answers).toEqual([{ score: expect.any(Number), start: 0, end: 5, answer: 'Paris' }]);
  });

  it('docStride defaults to min(maxSeqLen / 2, 128), so a short maxSeqLen works', async () => {
    // With a fixed default of 128 this would be rejected (stride >= the 55-token window).
    const [answers] = await answerQuestions(model, tokenizer, [{ question: QUESTION, context: CONTEXT }], { maxSeqLen: 64 });
    expect(answers[0].answer).toBe(' Paris, France.');
  });

  it('snaps to byte-level words for v1 tokenizers (GPT-2 pre-tokenizer: "Paris" and "," are separate words)', async () => {
    const v1 = await AutoTokenizer.fromPretrained(join(ROOT, 'test', 'fixtures', 'tokenizers', 'deberta-v1'));
    const logits: Record<string, [number, number]> = { 'ĠParis': [5, 5] };
    const m = {
      config: model.config,
      async forward(inputs: ModelInputs) {
        const B = inputs.inputIds.length;
        const L = inputs.inputIds[0].length;
        const start = new Float32Array(B * L);
        const end = new Float32Array(B * L);
        inputs.inputIds.forEach((row, b) => row.forEach((id, t) => {
          const [s0, e0] = logits[v1.convertIdsToTokens([id])[0]] ?? [0, 0];
          start[b * L + t] = s0;
          end[b * L + t] = e0;
        }));
        return { startLogits: new Tensor(start, [B, L]), endLogits: new Tensor(end, [B, L]) };
      },
    } as unknown as DebertaForQuestionAnswering;
    const [answers] = await answerQuestions(m, v1, [{ question: QUESTION, context: CONTEXT }], { topK: 1 });
    expect(answers[0]).toMatchObject({ answer: ' Paris', start: 22, end: 28 });
  });
});
