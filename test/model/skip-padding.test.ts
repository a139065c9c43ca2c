// forward(inputs, { padding: 'skip' }): the real tokens only, packed, each sequence attending at its own length.
// On every fixture model and head it gives what the default padded path gives (within 1e-5) at every position,
// padded ones included (transformers' values there are the same at every padded position: computed once), and
// every pipeline takes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DebertaForMaskedLM,
  DebertaForMultipleChoice,
  DebertaForQuestionAnswering,
  DebertaForReplacedTokenDetection,
  DebertaForSequenceClassification,
  DebertaForTokenClassification,
  DebertaModel,
  defaultBackend,
  GlinerModel,
  InputError,
  pipeline,
  AutoTokenizer,
  Tensor,
  type Backend,
  type ModelInputs,
  type TensorMap,
} from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { packLayout } from '../../src/model/packing.js';
import { answerQuestions } from '../../src/pipelines/question-answering.js';
import { FIXTURES, FixtureExpected, FixtureInputs, modelDir, readJsonFile, V1_CASES, V2_CASES } from '../helpers/fixtures.js';
import { randomArray, rng } from '../helpers/random.js';
import { caseSource } from '../gliner/helpers.js';

const ATOL = 1e-5;
const ROOT = join(import.meta.dirname, '..', '..');
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Largest difference of two outputs' tensors, field by field (hidden states included). */
function outputDiff(a: Record<string, unknown>, b: Record<string, unknown>): number {
  let m = 0;
  for (const [key, value] of Object.entries(a)) {
    if (value === undefined) continue;
    const other = b[key];
    if (value instanceof Tensor) {
      expect((other as Tensor).shape, key).toEqual(value.shape);
      m = Math.max(m, maxDiff(value.data, (other as Tensor).data));
    } else if (Array.isArray(value)) {
      expect((other as Tensor[]).length, key).toBe(value.length);
      value.forEach((t: Tensor, i) => (m = Math.max(m, maxDiff(t.data, (other as Tensor[])[i].data))));
    }
  }
  return m;
}

/**
 * Mixed lengths from a fixture's ids (length L): the full row, right padding, a single token, left padding, a
 * mask with holes, and a row without tokens.
 */
function mixedBatch(inputs: FixtureInputs): ModelInputs {
  const ids = inputs.input_ids[0];
  const types = inputs.token_type_ids[0];
  const L = ids.length;
  const masks = [
    ids.map(() => 1),
    ids.map((_, t) => (t < 5 ? 1 : 0)),
    ids.map((_, t) => (t < 1 ? 1 : 0)),
    ids.map((_, t) => (t >= L - 7 ? 1 : 0)),
    ids.map((_, t) => (t < 9 && t % 3 !== 2 ? 1 : 0)),
    ids.map(() => 0),
  ];
  return { inputIds: masks.map(() => ids), attentionMask: masks, tokenTypeIds: masks.map(() => types) };
}

interface Case {
  model: string;
  /** The fixture's own batch and the mixed one. */
  batches: Array<[string, ModelInputs]>;
}

const CASES: Case[] = [...V2_CASES, ...V1_CASES].map((model) => {
  const inputs = readJsonFile<FixtureInputs>(join(modelDir(model), 'inputs.json'));
  const own = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };
  return { model, batches: [['fixture batch', own], ['mixed lengths', mixedBatch(inputs)]] };
});

describe.each(CASES)('padding skip on $model', ({ model, batches }) => {
  const dir = modelDir(model);
  const expected = readJsonFile<FixtureExpected>(join(dir, 'expected.json'));
  const heads = Object.entries(expected.heads ?? {});
  const fixture = readJsonFile<FixtureInputs>(join(dir, 'inputs.json'));

  it('backbone: every hidden state within 1e-5 of the padded path, padded positions included', async () => {
    const m = await DebertaModel.fromPretrained(dir);
    for (const [name, inputs] of batches) {
      const a = await m.forward(inputs, { outputHiddenStates: true });
      const b = await m.forward(inputs, { outputHiddenStates: true, padding: 'skip' });
      expect(outputDiff(a as never, b as never), name).toBeLessThan(ATOL);
      const last = await m.forward(inputs, { padding: 'skip' });
      expect(last.lastHiddenState.data).toEqual(b.lastHiddenState.data);
      expect(last.hiddenStates).toBeUndefined();
    }
    m.dispose();
  });

  it('a batch without padding (one sequence, or several of one length) is bit-identical', async () => {
    const m = await DebertaModel.fromPretrained(dir);
    const [, inputs] = batches[0];
    const one = { inputIds: [inputs.inputIds[0]], tokenTypeIds: [inputs.tokenTypeIds![0]] };
    const two = { inputIds: [inputs.inputIds[0], inputs.inputIds[0].slice().reverse()], tokenTypeIds: [inputs.tokenTypeIds![0], inputs.tokenTypeIds![0]] };
    for (const x of [one, two]) {
      const a = await m.forward(x, { outputHiddenStates: true });
      const b = await m.forward(x, { outputHiddenStates: true, padding: 'skip' });
      a.hiddenStates!.forEach((h, i) => expect(b.hiddenStates![i].data).toEqual(h.data));
    }
    m.dispose();
  });

  it.each(heads.map(([head, e]) => [head, e.dir]))('head %s: logits within 1e-5 of the padded path', async (head, sub) => {
    const folder = join(dir, sub);
    for (const [name, inputs] of batches) {
      const L = inputs.inputIds[0].length;
      switch (head) {
        case 'masked_lm':
        case 'lm_predictions':
        case 'emd': {
          const m = await DebertaForMaskedLM.fromPretrained(folder);
          const decoder = head === 'emd' ? 'emd' : 'standard';
          const a = await m.forward(inputs, { decoder, outputHiddenStates: true });
          const b = await m.forward(inputs, { decoder, outputHiddenStates: true, padding: 'skip' });
          expect(outputDiff(a as never, b as never), name).toBeLessThan(ATOL);
          // positions: real and padded ones (the mixed batch's row 1 is padded from 5 on)
          const positions: Array<[number, number]> = [[0, 0], [1, 1], [1, L - 1], [0, L - 1], [1, 4]];
          const pa = await m.forward(inputs, { decoder, positions });
          const pb = await m.forward(inputs, { decoder, positions, padding: 'skip' });
          expect(pb.logits.shape).toEqual(pa.logits.shape);
          expect(maxDiff(pa.logits.data, pb.logits.data), `${name} positions`).toBeLessThan(ATOL);
          m.dispose();
          break;
        }
        case 'sequence_classification':
        case 'token_classification':
        case 'question_answering': {
          const m =
            head === 'sequence_classification'
              ? await DebertaForSequenceClassification.fromPretrained(folder)
              : head === 'token_classification'
                ? await DebertaForTokenClassification.fromPretrained(folder)
                : await DebertaForQuestionAnswering.fromPretrained(folder);
          const a = await m.forward(inputs);
          const b = await m.forward(inputs, { padding: 'skip' });
          expect(outputDiff(a as never, b as never), name).toBeLessThan(ATOL);
          m.dispose();
          break;
        }
        case 'multiple_choice': {
          const m = await DebertaForMultipleChoice.fromPretrained(folder);
          // The fixture's own multiple-choice batch, and the mixed rows as 2 questions × 3 choices.
          const own = fixture.multiple_choice;
          const choices = (x: number[][] | undefined) => x && [x.slice(0, 3), x.slice(3, 6)];
          const mc =
            name === 'fixture batch'
              ? { inputIds: own!.input_ids, attentionMask: own!.attention_mask, tokenTypeIds: own!.token_type_ids }
              : { inputIds: choices(inputs.inputIds)!, attentionMask: choices(inputs.attentionMask), tokenTypeIds: choices(inputs.tokenTypeIds) };
          const a = await m.forward(mc, { outputHiddenStates: true });
          const b = await m.forward(mc, { outputHiddenStates: true, padding: 'skip' });
          expect(outputDiff(a as never, b as never), name).toBeLessThan(ATOL);
          m.dispose();
          break;
        }
        default:
          throw new Error(`no check for head ${head}`);
      }
    }
  });
});

describe('padding skip: other heads and options', () => {
  it('replaced-token detection (h + h[CLS], left padding included) matches the padded path', async () => {
    const root = modelDir('v3_base_like');
    const backbone = readSafetensors(new Uint8Array(readFileSync(join(root, 'model.safetensors'))));
    const t: TensorMap = new Map([...backbone].map(([k, v]) => [`deberta.${k}`, v]));
    const H = 32;
    const r = rng(7);
    t.set('mask_predictions.LayerNorm.weight', new Tensor(randomArray(H, r, 0.4).map((x) => 1 + x), [H]));
    t.set('mask_predictions.LayerNorm.bias', new Tensor(randomArray(H, r, 0.2), [H]));
    t.set('mask_predictions.dense.weight', new Tensor(randomArray(H * H, r, 0.3), [H, H]));
    t.set('mask_predictions.dense.bias', new Tensor(randomArray(H, r, 0.2), [H]));
    t.set('mask_predictions.classifier.weight', new Tensor(randomArray(H, r, 0.3), [1, H]));
    t.set('mask_predictions.classifier.bias', new Tensor(randomArray(1, r, 0.2), [1]));
    const m = DebertaForReplacedTokenDetection.fromWeights(readJsonFile(join(root, 'config.json')), t);
    const inputs = mixedBatch(readJsonFile<FixtureInputs>(join(root, 'inputs.json')));
    const a = await m.forward(inputs);
    const b = await m.forward(inputs, { padding: 'skip' });
    expect(maxDiff(a.logits.data, b.logits.data)).toBeLessThan(ATOL);
    m.dispose();
  });

  it('is checked, and refused with attention maps', async () => {
    const m = await DebertaModel.fromPretrained(modelDir('v3_base_like'));
    const ids = { inputIds: [[1, 5, 2]] };
    await expect(m.forward(ids, { padding: 'none' } as never)).rejects.toThrow(`DebertaModel.forward: padding must be one of "compute", "skip", got the string "none"`);
    await expect(m.forward(ids, { padding: 'skip', outputAttentions: true })).rejects.toThrow(InputError);
    await expect(m.forward(ids, { padding: 'skip', outputAttentionTerms: true })).rejects.toThrow(/padding 'skip' computes no padded positions, so it cannot give outputAttentionTerms/);
    const qa = await DebertaForQuestionAnswering.fromPretrained(join(modelDir('v3_base_like'), 'heads', 'question_answering'));
    await expect(qa.forward(ids, { padding: 'skip', outputAttentions: true })).rejects.toThrow('DebertaForQuestionAnswering.forward: padding');
    m.dispose();
    qa.dispose();
  });

  it('lays out spans, the padded row and holes', () => {
    // row 0: right padding; row 1: left padding with a hole; row 2: no tokens
    const mask = Uint8Array.from([1, 1, 0, 0, /**/ 0, 1, 0, 1, /**/ 0, 0, 0, 0]);
    const p = packLayout(mask, 3, 4);
    expect([p.tokens, p.rows, p.maxCount]).toEqual([5, 6, 3]);
    expect(Array.from(p.start)).toEqual([0, 2, 5]);
    expect(Array.from(p.count)).toEqual([2, 3, 0]);
    expect(Array.from(p.column)).toEqual([0, 1, 0]);
    expect(Array.from(p.mask)).toEqual([1, 1, 1, 0, 1, 0]);
    expect(Array.from(p.columns)).toEqual([0, 1, 1, 2, 3, 0]);
    expect(Array.from(p.rowOf)).toEqual([0, 1, 5, 5, 5, 2, 3, 4, 5, 5, 5, 5]);
  });
});

/** The default backend, recording the shape of every attention call. */
function countingBackend(): { backend: Backend; calls: Array<{ batch: number; length: number }> } {
  const base = defaultBackend();
  const calls: Array<{ batch: number; length: number }> = [];
  const backend = new Proxy(base, {
    get(target, key) {
      if (key === 'attention') {
        return (args: Parameters<Backend['attention']>[0]) => {
          calls.push({ batch: args.batch, length: args.length });
          return target.attention(args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { backend, calls };
}

describe('pipelines never compute padding', () => {
  // Texts of different lengths in one batch: every attention call is one sequence at its own length, and the
  // shortest text's length is among them (the padded path would run every sequence at the longest).
  const texts = ['A [MASK] day.', 'The [MASK] sat on the mat in the sun, all afternoon long, and slept.'];

  /** Token lengths of texts (or pairs) as the pipelines encode them. */
  async function lengthsOf(dir: string, a: string[], b?: string[]): Promise<number[]> {
    const tok = await AutoTokenizer.fromPretrained(dir);
    const enc = b === undefined ? tok(a) : tok(a, b);
    return enc.inputIds.map((ids) => ids.length);
  }

  function expectPacked(calls: Array<{ batch: number; length: number }>, lengths: number[]): void {
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.batch).toBe(1);
    expect(new Set(calls.map((c) => c.length))).toEqual(new Set(lengths));
  }

  it('fill-mask, feature-extraction', async () => {
    const lengths = await lengthsOf(MLM, texts);
    expect(new Set(lengths).size).toBe(2);
    for (const run of [
      async (backend: Backend) => (await pipeline('fill-mask', MLM, { backend }))(texts),
      async (backend: Backend) => (await pipeline('feature-extraction', MLM, { backend }))(texts, { pooling: 'mean' }),
      async (backend: Backend) => (await pipeline('feature-extraction', MLM, { backend }))(texts),
    ]) {
      const { backend, calls } = countingBackend();
      await run(backend);
      expectPacked(calls, lengths);
    }
  });

  it('text classification, zero-shot, token classification', async () => {
    const plain = ['Short one.', 'A much longer text that goes on and on about nothing much at all.'];
    const { backend, calls } = countingBackend();
    await (await pipeline('text-classification', NLI, { backend }))(plain);
    expectPacked(calls, await lengthsOf(NLI, plain));

    const zs = countingBackend();
    await (await pipeline('zero-shot-classification', NLI, { backend: zs.backend }))(plain[1], ['sports', 'a very long label about politics']);
    const hypotheses = ['This example is sports.', 'This example is a very long label about politics.'];
    expectPacked(zs.calls, await lengthsOf(NLI, [plain[1], plain[1]], hypotheses));

    // The NLI checkpoint's classifier fits a token-classification head too (pooler size = hidden size).
    const tc = countingBackend();
    await (await pipeline('token-classification', NLI, { backend: tc.backend }))(plain);
    expectPacked(tc.calls, await lengthsOf(NLI, plain));
  });

  it('question answering', async () => {
    const t = readSafetensors(new Uint8Array(readFileSync(join(NLI, 'model.safetensors'))));
    const config = readJsonFile<Record<string, unknown>>(join(NLI, 'config.json'));
    const H = config.hidden_size as number;
    const r = rng(3);
    t.set('qa_outputs.weight', new Tensor(randomArray(2 * H, r, 0.3), [2, H]));
    t.set('qa_outputs.bias', new Tensor(randomArray(2, r, 0.1), [2]));
    const { backend, calls } = countingBackend();
    const model = DebertaForQuestionAnswering.fromWeights(config, t, { backend });
    const tokenizer = await AutoTokenizer.fromPretrained(NLI);
    const inputs = [
      { question: 'Where?', context: 'In Paris.' },
      { question: 'Who built the tower in the middle of the city?', context: 'Gustave Eiffel built it for the fair of 1889, in Paris.' },
    ];
    await answerQuestions(model, tokenizer, inputs);
    expectPacked(calls, await lengthsOf(NLI, inputs.map((x) => x.question), inputs.map((x) => x.context)));
  });

  it('GLiNER', async () => {
    const { backend, calls } = countingBackend();
    const model = await GlinerModel.fromPretrained(caseSource('span_markerV0'), { backend });
    await model.predictEntities(['Bob met Alice.', 'Marie Curie worked at the Sorbonne in Paris with Pierre Curie.'], ['person', 'location']);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.batch).toBe(1);
    expect(new Set(calls.map((c) => c.length)).size).toBe(2);
    model.dispose();
  });
});
