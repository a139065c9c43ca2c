// Options of pipeline() and of every pipeline call: an unknown key or a value of the wrong type is an
// InputError naming it (and, for keys, listing the valid ones), never a silent run on defaults.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AutoTokenizer,
  InputError,
  parseConfig,
  pipeline,
  type DebertaForQuestionAnswering,
  type DebertaForTokenClassification,
  type DebertaTokenizer,
  type FeatureExtractionPipeline,
  type FillMaskPipeline,
  type TextClassificationPipeline,
  type ZeroShotClassificationPipeline,
} from '../../src/index.js';
import { answerQuestions } from '../../src/pipelines/question-answering.js';
import { classifyTokens } from '../../src/pipelines/token-classification.js';
import { FIXTURES } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

/** Expects `call` to reject with an InputError whose message contains each of `parts`. */
async function rejects(call: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, parts.join(' | ')).toBeInstanceOf(InputError);
  for (const part of parts) expect((error as Error).message).toContain(part);
}

describe('pipeline() options', () => {
  it('an unknown key names it, the near valid one, and every valid one', async () => {
    await rejects(
      () => pipeline('fill-mask', MLM, { numThread: 2 } as never),
      'pipeline: unknown option "numThread" (did you mean "numThreads"?); valid options: backend, dtype, fetch, hubUrl, modelMaxLength, numThreads, onProgress, revision, semantics, signal',
    );
    await rejects(() => pipeline('fill-mask', MLM, { quantize: 'fp16' } as never), 'unknown option "quantize"; valid options: backend,');
    await rejects(() => pipeline('fill-mask', MLM, null as never), 'pipeline: options must be an object, got null');
  });

  it('bad values fail before anything is read (the source does not exist)', async () => {
    const missing = join(ROOT, 'no-such-model');
    await rejects(() => pipeline('fill-mask', missing, { semantics: 'fats' as never }), 'pipeline: semantics must be one of "slow", "fast", got the string "fats"');
    await rejects(() => pipeline('fill-mask', missing, { modelMaxLength: 0 }), 'pipeline: modelMaxLength must be a positive integer, got 0');
    await rejects(() => pipeline('fill-mask', missing, { numThreads: 0 }), 'numThreads must be an integer from 1 to 256, got 0');
  });

  it('accepts every valid key, including ones given as undefined (as the CLI passes them)', async () => {
    const fill = await pipeline('fill-mask', MLM, { semantics: 'slow', modelMaxLength: 64, revision: undefined, hubUrl: undefined, onProgress: undefined, numThreads: 1 });
    expect(fill.tokenizer.modelMaxLength).toBe(64);
    expect(fill.tokenizer.semantics).toBe('slow');
    fill.dispose();
  });
});

describe('per-call options', () => {
  let fill: FillMaskPipeline;
  let clf: TextClassificationPipeline;
  let zs: ZeroShotClassificationPipeline;
  let fe: FeatureExtractionPipeline;
  let tokenizer: DebertaTokenizer;
  beforeAll(async () => {
    [fill, clf, zs, fe] = await Promise.all([
      pipeline('fill-mask', MLM),
      pipeline('text-classification', NLI),
      pipeline('zero-shot-classification', NLI),
      pipeline('feature-extraction', MLM),
    ]);
    tokenizer = await AutoTokenizer.fromPretrained(MLM);
  });

  // Options are checked before the model runs, so a model without weights stands in for NER and QA.
  const config = parseConfig({ model_type: 'deberta-v2', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 16, vocab_size: 128100 });
  const noModel = { config, forward: () => Promise.reject(new Error('options should have been rejected first')) };
  const ner = (o: object) => classifyTokens(noModel as unknown as DebertaForTokenClassification, tokenizer, ['Some text.'], o);
  const qa = (o: object) => answerQuestions(noModel as unknown as DebertaForQuestionAnswering, tokenizer, [{ question: 'Who?', context: 'Me.' }], o);

  it('an unknown key names the call and lists its valid keys', async () => {
    await rejects(() => fill('A [MASK].', { topk: 3 } as never), 'fill-mask: unknown option "topk" (did you mean "topK"?); valid options: batchSize, decoder, maxTokensPerBatch, targets, topK, truncation');
    await rejects(
      () => clf('A text.', { top_k: 2 } as never),
      'text-classification: unknown option "top_k" (did you mean "topK"?); valid options: batchSize, functionToApply, maxTokensPerBatch, returnAllScores, topK, truncation',
    );
    await rejects(
      () => zs('A text.', ['a'], { multi_label: true } as never),
      'zero-shot-classification: unknown option "multi_label" (did you mean "multiLabel"?); valid options: batchSize, hypothesisTemplate, maxTokensPerBatch, multiLabel',
    );
    await rejects(() => fe('A text.', { pool: 'mean' } as never), 'feature-extraction: unknown option "pool"; valid options: batchSize, maxTokensPerBatch, normalize, pooling, truncation');
    await rejects(
      () => ner({ aggregation: 'simple' }),
      'token-classification: unknown option "aggregation"; valid options: aggregationStrategy, batchSize, ignoreLabels, maxTokensPerBatch',
    );
    await rejects(
      () => qa({ maxAnswerLength: 5 }),
      'question-answering: unknown option "maxAnswerLength"; valid options: alignToWords, batchSize, docStride, handleImpossibleAnswer, maxAnswerLen, maxQuestionLen, maxSeqLen, maxTokensPerBatch, topK',
    );
    await rejects(() => fill('A [MASK].', 5 as never), 'fill-mask: options must be an object, got 5');
  });

  it('fill-mask values', async () => {
    await rejects(() => fill('A [MASK].', { topK: '3' as never }), 'fill-mask: topK must be a positive integer, got the string "3"');
    await rejects(() => fill('A [MASK].', { topK: 2.5 }), 'topK must be a positive integer, got 2.5');
    await rejects(() => fill('A [MASK].', { batchSize: 0 }), 'fill-mask: batchSize must be a positive integer, got 0');
    await rejects(() => fill('A [MASK].', { decoder: 'EMD' as never }), 'fill-mask: decoder must be one of "standard", "emd", got the string "EMD"');
    await rejects(() => fill('A [MASK].', { truncation: 'false' as never }), 'fill-mask: truncation must be true or false, got the string "false"');
    await rejects(() => fill('A [MASK].', { targets: [] }), 'fill-mask: targets must be a non-empty string or list of strings, got an array');
    await rejects(() => fill('A [MASK].', { targets: ['a', 3] as never }), 'fill-mask: targets[1] must be a string, got 3');
  });

  it('text-classification values', async () => {
    await rejects(() => clf('A text.', { topK: '2' as never }), 'text-classification: topK must be a positive integer or null, got the string "2"');
    await rejects(() => clf('A text.', { functionToApply: 'relu' as never }), 'functionToApply must be one of "softmax", "sigmoid", "none", got the string "relu"');
    await rejects(() => clf('A text.', { returnAllScores: 'yes' as never }), 'text-classification: returnAllScores must be true or false, got the string "yes"');
    await rejects(() => clf('A text.', { truncation: 'only_third' as never }), 'truncation must be one of true, false, "only_first", "only_second", "longest_first"');
    await rejects(() => clf('A text.', { batchSize: -1 }), 'text-classification: batchSize must be a positive integer, got -1');
  });

  it('zero-shot values', async () => {
    await rejects(() => zs('A text.', ['a'], { multiLabel: 'true' as never }), 'zero-shot-classification: multiLabel must be true or false, got the string "true"');
    await rejects(() => zs('A text.', ['a'], { batchSize: 1.5 }), 'zero-shot-classification: batchSize must be a positive integer, got 1.5');
  });

  it('feature-extraction values', async () => {
    await rejects(() => fe('A text.', { normalize: 'false' as never }), 'feature-extraction: normalize must be true or false, got the string "false"');
    await rejects(() => fe('A text.', { pooling: 'max' as never }), 'feature-extraction: pooling must be one of "none", "mean", "cls", got the string "max"');
    await rejects(() => fe([]), 'feature-extraction needs at least one text');
  });

  it('token-classification values', async () => {
    await rejects(() => ner({ aggregationStrategy: 'SIMPLE' }), 'token-classification: aggregationStrategy must be one of "none", "simple", "first", "average", "max"');
    // A string would match labels by substring ('B-PER O'.includes('O')).
    await rejects(() => ner({ ignoreLabels: 'O' }), 'token-classification: ignoreLabels must be a list of label strings, got the string "O"');
    await rejects(() => ner({ ignoreLabels: ['O', 1] }), 'ignoreLabels must be a list of label strings, got an array');
  });

  it('question-answering values', async () => {
    // maxSeqLen went through Math.min, which turned '5' into 5.
    await rejects(() => qa({ maxSeqLen: '5' }), 'question-answering: maxSeqLen must be a positive integer, got the string "5"');
    await rejects(() => qa({ docStride: -1 }), 'question-answering: docStride must be a non-negative integer, got -1');
    await rejects(() => qa({ topK: 0 }), 'question-answering: topK must be a positive integer, got 0');
    await rejects(() => qa({ maxAnswerLen: null }), 'maxAnswerLen must be a positive integer, got null');
    await rejects(() => qa({ maxQuestionLen: 0 }), 'maxQuestionLen must be a positive integer, got 0');
    await rejects(() => qa({ handleImpossibleAnswer: 1 }), 'question-answering: handleImpossibleAnswer must be true or false, got 1');
    await rejects(() => qa({ alignToWords: 'no' }), 'question-answering: alignToWords must be true or false, got the string "no"');
    await rejects(() => qa({ batchSize: 0 }), 'question-answering: batchSize must be a positive integer, got 0');
  });

  it('valid options still run', async () => {
    const out = (await fill('A [MASK].', { topK: 2, decoder: 'standard', truncation: true, batchSize: 1 })) as unknown[];
    expect(out).toHaveLength(2);
    const z = await zs('A text.', 'a, b', { hypothesisTemplate: 'It is {}.', multiLabel: true, batchSize: 1 });
    expect(z.labels.sort()).toEqual(['a', 'b']);
    const v = await fe('A text.', { pooling: 'mean', normalize: true, truncation: false, batchSize: 2 });
    expect(v.shape).toEqual([1, fe.model.config.hiddenSize]);
  });
});
