// Every public entry point, fed every hostile value in every argument slot and option: each failure is a
// DebertaError (never a TypeError, RangeError or a crash), nothing hangs, and nothing is left running.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoTokenizer,
  DebertaForMaskedLM,
  DebertaForSequenceClassification,
  DebertaModel,
  loadCheckpoint,
  pipeline,
  readJsonWeights,
  readSafetensors,
  readTorchBin,
  Tensor,
  toJson,
  type DebertaTokenizer,
  type TensorMap,
} from '../../src/index.js';
import { LOAD_OPTION_KEYS } from '../../src/io/load-options.js';
import { COMPUTE_OPTION_KEYS } from '../../src/model/backend-options.js';
import { FROM_PRETRAINED_OPTION_KEYS } from '../../src/model/deberta-model.js';
import { FEATURE_EXTRACTION_OPTION_KEYS } from '../../src/pipelines/feature-extraction.js';
import { FILL_MASK_OPTION_KEYS } from '../../src/pipelines/fill-mask.js';
import { PIPELINE_OPTION_KEYS } from '../../src/pipelines/pipeline.js';
import { QUESTION_ANSWERING_OPTION_KEYS } from '../../src/pipelines/question-answering.js';
import { TEXT_CLASSIFICATION_OPTION_KEYS } from '../../src/pipelines/text-classification.js';
import { TOKEN_CLASSIFICATION_OPTION_KEYS } from '../../src/pipelines/token-classification.js';
import { ZERO_SHOT_OPTION_KEYS } from '../../src/pipelines/zero-shot-classification.js';
import { TOKENIZER_LOAD_OPTION_KEYS } from '../../src/tokenizers/auto.js';
import { FIXTURES, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { expectNamedFailures, resources } from './values.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'deberta-v3-tiny-mlm');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');
const MODEL = modelDir('v3_base_like');
const config = readJsonFile<Record<string, unknown>>(join(MODEL, 'config.json'));
const tensors = readSafetensors(new Uint8Array(readFileSync(join(MODEL, 'model.safetensors'))));

/** Option keys of a call, each to receive every hostile value. */
const keysOf = (keys: object): string[] => Object.keys(keys);

let tok: DebertaTokenizer;
let model: DebertaModel;
let baseline: ReturnType<typeof resources>;
let work: string;

beforeAll(async () => {
  tok = await AutoTokenizer.fromPretrained(EXAMPLE);
  model = DebertaModel.fromWeights(config, tensors);
  await model.forward({ inputIds: [[1, 2]] }); // the shared backend starts its threads on first use
  work = mkdtempSync(join(tmpdir(), 'deberta-hostile-'));
  baseline = resources();
});

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  // Let closed sockets and finished timers drain, then nothing may be left beyond the baseline.
  let now = resources();
  for (let i = 0; i < 50 && (now.handles.length > baseline.handles.length || now.threads > baseline.threads); i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = resources();
  }
  expect(now.handles, 'open handles after the hostile suite').toEqual(baseline.handles);
  expect(now.threads, 'OS threads after the hostile suite').toBeLessThanOrEqual(baseline.threads);
});

describe('tokenizer', () => {
  it('call, encode, tokenize: every argument slot', async () => {
    await expectNamedFailures('tok(X)', (x) => tok(x as string));
    await expectNamedFailures('tok("a", X)', (x) => tok('a', x as string));
    await expectNamedFailures('tok(["a"], X)', (x) => tok(['a'], x as string[]));
    await expectNamedFailures('tok("a", "b", X)', (x) => tok('a', 'b', x as never));
    await expectNamedFailures('encode(X)', (x) => tok.encode(x as string));
    await expectNamedFailures('encode("a", X)', (x) => tok.encode('a', x as string));
    await expectNamedFailures('encode("a", "b", X)', (x) => tok.encode('a', 'b', x as never));
    await expectNamedFailures('tokenize(X)', (x) => tok.tokenize(x as string));
  });

  it('every call option', async () => {
    for (const key of ['padding', 'truncation', 'maxLength', 'padToMultipleOf', 'addSpecialTokens', 'returnOffsets', 'returnSpecialTokensMask']) {
      await expectNamedFailures(`tok(["a", "b c"], {${key}: X})`, (x) => tok(['a', 'b c'], { [key]: x }));
    }
  });

  it('decode and friends', async () => {
    const ok = await expectNamedFailures('decode(X)', (x) => tok.decode(x as number[]));
    // Ids that are not integers of the vocabulary are never decoded silently.
    for (const label of ['[NaN]', '[1n]', '[-1]', 'sparse', '[null]', 'Float32Array', 'null', '"x"']) expect(ok).not.toContain(label);
    await expectNamedFailures('decode([1, 2], X)', (x) => tok.decode([1, 2], x as never));
    await expectNamedFailures('decode([1, 2], {skipSpecialTokens: X})', (x) => tok.decode([1, 2], { skipSpecialTokens: x as boolean }));
    await expectNamedFailures('batchDecode(X)', (x) => tok.batchDecode(x as number[][]));
    await expectNamedFailures('batchDecode([X])', (x) => tok.batchDecode([x as number[]]));
    await expectNamedFailures('batchDecode([[1]], X)', (x) => tok.batchDecode([[1]], x as never));
    await expectNamedFailures('convertIdsToTokens(X)', (x) => tok.convertIdsToTokens(x as number[]));
    await expectNamedFailures('convertTokensToIds(X)', (x) => tok.convertTokensToIds(x as string[]));
  });

  it('AutoTokenizer.fromPretrained', async () => {
    await expectNamedFailures('AutoTokenizer.fromPretrained(X)', (x) => AutoTokenizer.fromPretrained(x as string));
    await expectNamedFailures('AutoTokenizer.fromPretrained(dir, X)', (x) => AutoTokenizer.fromPretrained(EXAMPLE, x as never));
    for (const key of keysOf(TOKENIZER_LOAD_OPTION_KEYS)) {
      await expectNamedFailures(`AutoTokenizer.fromPretrained(dir, {${key}: X})`, (x) => AutoTokenizer.fromPretrained(EXAMPLE, { [key]: x }));
    }
  });
});

describe('model', () => {
  it('forward: inputs, each input field, each id, options', async () => {
    await expectNamedFailures('forward(X)', (x) => model.forward(x as never));
    for (const field of ['inputIds', 'attentionMask', 'tokenTypeIds']) {
      const base = { inputIds: [[1, 5, 2]] };
      await expectNamedFailures(`forward({${field}: X})`, (x) => model.forward({ ...base, [field]: x }));
      await expectNamedFailures(`forward({${field}: [X]})`, (x) => model.forward({ ...base, [field]: [x] }));
      await expectNamedFailures(`forward({${field}: [[1, X, 1]]})`, (x) => model.forward({ ...base, [field]: [[1, x, 1]] }));
    }
    await expectNamedFailures('forward(ids, X)', (x) => model.forward({ inputIds: [[1, 2]] }, x as never));
    for (const key of ['outputHiddenStates', 'outputAttentions', 'outputAttentionTerms', 'padding']) {
      await expectNamedFailures(`forward(ids, {${key}: X})`, (x) => model.forward({ inputIds: [[1, 2]] }, { [key]: x }));
    }
  });

  it('masked-LM forward options', async () => {
    const mlm = await DebertaForMaskedLM.fromPretrained(join(MODEL, 'heads', 'masked_lm'));
    for (const key of ['positions', 'decoder']) {
      await expectNamedFailures(`DebertaForMaskedLM.forward(ids, {${key}: X})`, (x) => mlm.forward({ inputIds: [[1, 2]] }, { [key]: x }));
      await expectNamedFailures(`DebertaForMaskedLM.forward(ids, {${key}: [X]})`, (x) => mlm.forward({ inputIds: [[1, 2]] }, { [key]: [x] }));
    }
    mlm.dispose();
  });

  it('fromWeights and fromPretrained', async () => {
    await expectNamedFailures('DebertaModel.fromWeights(X, tensors)', (x) => DebertaModel.fromWeights(x as never, tensors).dispose());
    await expectNamedFailures('DebertaModel.fromWeights(config, X)', (x) => DebertaModel.fromWeights(config, x as never).dispose());
    await expectNamedFailures('DebertaModel.fromWeights(config, {key: X})', (x) =>
      DebertaModel.fromWeights(config, new Map([...tensors, ['embeddings.LayerNorm.weight', x]]) as TensorMap).dispose());
    await expectNamedFailures('DebertaModel.fromWeights(config, tensors, X)', (x) => DebertaModel.fromWeights(config, tensors, x as never).dispose());
    for (const key of keysOf(COMPUTE_OPTION_KEYS)) {
      await expectNamedFailures(`DebertaModel.fromWeights(config, tensors, {${key}: X})`, (x) => DebertaModel.fromWeights(config, tensors, { [key]: x }).dispose());
    }
    for (const key of [...Object.keys(config), 'id2label', 'label2id', 'pos_att_type', 'embedding_size', 'conv_kernel_size']) {
      await expectNamedFailures(`DebertaModel.fromWeights({...config, ${key}: X})`, (x) => DebertaModel.fromWeights({ ...config, [key]: x }, tensors).dispose());
    }
    await expectNamedFailures('DebertaModel.fromPretrained(X)', async (x) => (await DebertaModel.fromPretrained(x as string)).dispose());
    await expectNamedFailures('DebertaModel.fromPretrained(dir, X)', async (x) => (await DebertaModel.fromPretrained(MODEL, x as never)).dispose());
    for (const key of keysOf(FROM_PRETRAINED_OPTION_KEYS)) {
      await expectNamedFailures(`DebertaModel.fromPretrained(dir, {${key}: X})`, async (x) => (await DebertaModel.fromPretrained(MODEL, { [key]: x })).dispose());
      await expectNamedFailures(`DebertaForSequenceClassification.fromPretrained(dir, {${key}: X})`, async (x) =>
        (await DebertaForSequenceClassification.fromPretrained(NLI, { [key]: x })).dispose());
    }
  });

  it('tensors of the wrong kind inside a weights map', async () => {
    await expectNamedFailures('fromWeights(config, {word_embeddings: X})', (x) =>
      DebertaModel.fromWeights(config, new Map([...tensors, ['embeddings.word_embeddings.weight', x]]) as TensorMap).dispose());
    await expectNamedFailures('fromWeights(config, {word_embeddings: Tensor(X)})', (x) => {
      // A Tensor look-alike: own `data` and `shape` over the prototype's accessor, no private state.
      const weird = Object.defineProperties(Object.create(Tensor.prototype) as Tensor, { data: { value: x }, shape: { value: [100, 32] } });
      DebertaModel.fromWeights(config, new Map([...tensors, ['embeddings.word_embeddings.weight', weird]])).dispose();
    });
    // ... and one whose `data` accessor throws (made without the constructor, so it has no private state).
    const hollow = Object.create(Tensor.prototype) as Tensor;
    expect(() => DebertaModel.fromWeights(config, new Map([...tensors, ['embeddings.word_embeddings.weight', hollow]]))).toThrow(/"embeddings.word_embeddings.weight" is not a float32 Tensor/);
  });
});

describe('loaders', () => {
  it('byte readers and loadCheckpoint', async () => {
    await expectNamedFailures('readSafetensors(X)', (x) => readSafetensors(x as Uint8Array));
    await expectNamedFailures('readTorchBin(X)', (x) => readTorchBin(x as Uint8Array));
    await expectNamedFailures('readJsonWeights(X)', (x) => readJsonWeights(x as Uint8Array));
    await expectNamedFailures('loadCheckpoint(X)', (x) => loadCheckpoint(x as string));
    await expectNamedFailures('loadCheckpoint(dir, X)', (x) => loadCheckpoint(MODEL, x as never));
    for (const key of keysOf(LOAD_OPTION_KEYS)) {
      await expectNamedFailures(`loadCheckpoint(dir, {${key}: X})`, (x) => loadCheckpoint(MODEL, { [key]: x }));
    }
  });

  it('a FileSource whose read misbehaves', async () => {
    await expectNamedFailures('FileSource.read -> X', (x) => loadCheckpoint({ name: 'hostile', read: async () => x as Uint8Array }));
    await expectNamedFailures('FileSource {read: X}', (x) => loadCheckpoint({ name: 'hostile', read: x } as never));
  });

  it('a fetch override that resolves to anything', async () => {
    await expectNamedFailures('fetch -> X', (x) =>
      loadCheckpoint('http://127.0.0.1:9/model', { fetch: async () => x as Response }));
    await expectNamedFailures('fetch -> Response(X)', (x) =>
      loadCheckpoint('http://127.0.0.1:9/model', { fetch: async () => new Response(JSON.stringify(x ?? null)) }),
    );
  });

  it('a config.json that is any hostile value', async () => {
    // Each field's values go through fromWeights above; here the file itself is hostile.
    const dir = join(work, 'config');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(MODEL, 'model.safetensors'), join(dir, 'model.safetensors'));
    await expectNamedFailures('config.json = X', async (x) => {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(x, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)) ?? '');
      (await DebertaModel.fromPretrained(dir)).dispose();
    });
  });
});

describe('pipelines', () => {
  /** A token-classification and a QA checkpoint made from the NLI fixture (same hidden size, real tokenizer). */
  function headFolder(name: string, head: (t: TensorMap) => TensorMap, extra: Record<string, unknown>): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const cfg = { ...readJsonFile<Record<string, unknown>>(join(NLI, 'config.json')), ...extra };
    const nli = readSafetensors(new Uint8Array(readFileSync(join(NLI, 'model.safetensors'))));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    writeFileSync(join(dir, 'model.json'), toJson(cfg, head(nli)));
    for (const f of ['spm.model', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json']) copyFileSync(join(NLI, f), join(dir, f));
    return dir;
  }

  it('pipeline(task, source, options)', async () => {
    await expectNamedFailures('pipeline(X, dir)', (x) => pipeline(x as 'fill-mask', EXAMPLE));
    await expectNamedFailures('pipeline("fill-mask", X)', (x) => pipeline('fill-mask', x as string));
    await expectNamedFailures('pipeline("fill-mask", dir, X)', async (x) => (await pipeline('fill-mask', EXAMPLE, x as never)).dispose());
    for (const key of keysOf(PIPELINE_OPTION_KEYS)) {
      await expectNamedFailures(`pipeline("fill-mask", dir, {${key}: X})`, async (x) => (await pipeline('fill-mask', EXAMPLE, { [key]: x })).dispose());
    }
  });

  it('fill-mask', async () => {
    const fill = await pipeline('fill-mask', EXAMPLE);
    await expectNamedFailures('fill(X)', (x) => fill(x as string));
    await expectNamedFailures('fill([X])', (x) => fill([x as string]));
    await expectNamedFailures('fill("a [MASK]", X)', (x) => fill('a [MASK]', x as never));
    for (const key of keysOf(FILL_MASK_OPTION_KEYS)) {
      await expectNamedFailures(`fill("a [MASK]", {${key}: X})`, (x) => fill('a [MASK]', { [key]: x }));
    }
    fill.dispose();
  });

  it('text and zero-shot classification', async () => {
    const clf = await pipeline('text-classification', NLI);
    await expectNamedFailures('clf(X)', (x) => clf(x as string));
    await expectNamedFailures('clf({text: "a", textPair: X})', (x) => clf({ text: 'a', textPair: x as string }));
    await expectNamedFailures('clf("a", X)', (x) => clf('a', x as never));
    for (const key of keysOf(TEXT_CLASSIFICATION_OPTION_KEYS)) {
      await expectNamedFailures(`clf("a", {${key}: X})`, (x) => clf('a', { [key]: x }));
    }
    clf.dispose();
    const zs = await pipeline('zero-shot-classification', NLI);
    await expectNamedFailures('zs(X, labels)', (x) => zs(x as string, ['a', 'b']));
    await expectNamedFailures('zs("a", X)', (x) => zs('a', x as string[]));
    await expectNamedFailures('zs("a", [X])', (x) => zs('a', [x as string]));
    await expectNamedFailures('zs("a", labels, X)', (x) => zs('a', ['a', 'b'], x as never));
    for (const key of keysOf(ZERO_SHOT_OPTION_KEYS)) {
      await expectNamedFailures(`zs("a", labels, {${key}: X})`, (x) => zs('a', ['a', 'b'], { [key]: x }));
    }
    zs.dispose();
  });

  it('token classification, question answering, feature extraction', async () => {
    const nerDir = headFolder('ner', (t) => new Map([...t].filter(([k]) => !k.startsWith('pooler.'))), {
      id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER' },
      label2id: { O: 0, 'B-PER': 1, 'I-PER': 2 },
    });
    const ner = await pipeline('token-classification', nerDir);
    await expectNamedFailures('ner(X)', (x) => ner(x as string));
    await expectNamedFailures('ner("a", X)', (x) => ner('a', x as never));
    for (const key of keysOf(TOKEN_CLASSIFICATION_OPTION_KEYS)) {
      await expectNamedFailures(`ner("a b", {${key}: X})`, (x) => ner('Angela Merkel visited Hamburg.', { [key]: x }));
    }
    ner.dispose();
    const qaDir = headFolder('qa', (t) => {
      const w = t.get('classifier.weight')!;
      const b = t.get('classifier.bias')!;
      const out = new Map([...t].filter(([k]) => !k.startsWith('pooler.') && !k.startsWith('classifier.')));
      out.set('qa_outputs.weight', new Tensor(w.data.slice(0, 2 * 16), [2, 16]));
      out.set('qa_outputs.bias', new Tensor(b.data.slice(0, 2), [2]));
      return out;
    }, { num_labels: 2, id2label: { 0: 'LABEL_0', 1: 'LABEL_1' }, label2id: { LABEL_0: 0, LABEL_1: 1 } });
    const qa = await pipeline('question-answering', qaDir);
    const good = { question: 'Where?', context: 'In Paris, the capital.' };
    await expectNamedFailures('qa(X)', (x) => qa(x as never));
    await expectNamedFailures('qa({question: X})', (x) => qa({ ...good, question: x as string }));
    await expectNamedFailures('qa({context: X})', (x) => qa({ ...good, context: x as string }));
    await expectNamedFailures('qa(q, X)', (x) => qa(good, x as never));
    for (const key of keysOf(QUESTION_ANSWERING_OPTION_KEYS)) {
      await expectNamedFailures(`qa(q, {${key}: X})`, (x) => qa(good, { [key]: x }));
    }
    qa.dispose();
    const fe = await pipeline('feature-extraction', EXAMPLE);
    await expectNamedFailures('fe(X)', (x) => fe(x as string));
    await expectNamedFailures('fe("a", X)', (x) => fe('a', x as never));
    for (const key of keysOf(FEATURE_EXTRACTION_OPTION_KEYS)) {
      await expectNamedFailures(`fe("a", {${key}: X})`, (x) => fe('a', { [key]: x }));
    }
    fe.dispose();
  });
});
