import { InputError } from '../errors.js';
import { GlinerModel, type GlinerEntity } from '../gliner/gliner-model.js';
import type { PredictEntitiesOptions } from '../gliner/options.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import type { FileSource } from '../io/file-source.js';
import { checkLoadOptions, LOAD_OPTION_KEYS, type LoadOptions } from '../io/load-options.js';
import { checkComputeOptions, COMPUTE_OPTION_KEYS, type ComputeOptions } from '../model/backend-options.js';
import { construct, modelSource, type ModelClass } from '../model/build.js';
import { DebertaModel } from '../model/deberta-model.js';
import { DebertaForQuestionAnswering, DebertaForSequenceClassification, DebertaForTokenClassification } from '../model/heads/classification.js';
import { DebertaForMaskedLM } from '../model/heads/masked-lm.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import type { Tensor } from '../tensor/tensor.js';
import { AutoTokenizer, TOKENIZER_LOAD_OPTION_KEYS, type TokenizerLoadOptions } from '../tokenizers/auto.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';
import { extractFeatures, type FeatureExtractionOptions } from './feature-extraction.js';
import { fillMask, type FillMaskOptions, type FillMaskOutput } from './fill-mask.js';
import { answerQuestions, type Answer, type QuestionAnsweringInput, type QuestionAnsweringOptions } from './question-answering.js';
import { classifyText, type LabelScore, type TextClassificationInput, type TextClassificationOptions, type TextClassificationResult } from './text-classification.js';
import { classifyTokens, type TokenClassificationOptions, type TokenEntity } from './token-classification.js';
import { choiceOption, intOption } from './common.js';
import { entailmentIds, entailmentWarning, zeroShot, type ZeroShotOptions, type ZeroShotResult } from './zero-shot-classification.js';

/** The tasks {@link pipeline} knows, with transformers' aliases. */
export const TASKS = [
  'fill-mask',
  'text-classification',
  'sentiment-analysis',
  'zero-shot-classification',
  'token-classification',
  'ner',
  'question-answering',
  'feature-extraction',
  'gliner',
] as const;
/** One of {@link TASKS}. */
export type Task = (typeof TASKS)[number];

/** Options of {@link pipeline}: where to load from, tokenizer semantics, and how to compute. */
export type PipelineOptions = LoadOptions & TokenizerLoadOptions & ComputeOptions;

/** Every {@link PipelineOptions} key. */
export const PIPELINE_OPTION_KEYS: OptionKeys<PipelineOptions> = mergeKeys<TokenizerLoadOptions, ComputeOptions>(TOKENIZER_LOAD_OPTION_KEYS, COMPUTE_OPTION_KEYS);

/** The options of `keys` only: each loader rejects keys that are not its own. */
function pick<T extends object>(options: object, keys: OptionKeys<T>): T {
  return Object.fromEntries(Object.entries(options).filter(([k]) => Object.hasOwn(keys, k))) as T;
}

interface Loaded<M> {
  readonly task: Task;
  readonly model: M;
  readonly tokenizer: DebertaTokenizer;
  /** Frees the model's packed weights and stops its worker threads (`model.dispose()`). */
  dispose(): void;
}

/** `fill(text)` -> proposals; `fill([t1, t2])` -> one result per text. */
export interface FillMaskPipeline extends Loaded<DebertaForMaskedLM> {
  (text: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  (texts: string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
}

/** A pair of texts classified together. */
type TextPairInput = Exclude<TextClassificationInput, string>;
/** Options with an explicit `topK` (a number, or `null` for every label): sorted lists. */
type WithTopK = TextClassificationOptions & { topK: number | null };
/** Options without `topK`: transformers' legacy shapes (the top label). */
type WithoutTopK = TextClassificationOptions & { topK?: undefined; returnAllScores?: false };

/** `clf(text | {text, textPair} | list, options)`; output shapes as transformers. */
export interface TextClassificationPipeline extends Loaded<DebertaForSequenceClassification> {
  /** The best `topK` labels (all with `null`), sorted. */
  (input: TextClassificationInput, options: WithTopK): Promise<LabelScore[]>;
  /** One sorted list per input. */
  (inputs: TextClassificationInput[], options: WithTopK): Promise<LabelScore[][]>;
  /** `[{ label, score }]`: the top label, in a list (transformers' legacy shape for a string). */
  (input: string, options?: WithoutTopK): Promise<LabelScore[]>;
  /** `{ label, score }`: the top label of a pair. */
  (input: TextPairInput, options?: WithoutTopK): Promise<LabelScore>;
  /** The top label of each input. */
  (inputs: TextClassificationInput[], options?: WithoutTopK): Promise<LabelScore[]>;
  /** Any other combination (e.g. the deprecated `returnAllScores`). */
  (input: TextClassificationInput | TextClassificationInput[], options?: TextClassificationOptions): Promise<TextClassificationResult | TextClassificationResult[]>;
}

/** `zs(text, labels)` -> `{ sequence, labels, scores }`; a list of texts gives a list. */
export interface ZeroShotClassificationPipeline extends Loaded<DebertaForSequenceClassification> {
  (text: string, candidateLabels: string | string[], options?: ZeroShotOptions): Promise<ZeroShotResult>;
  (texts: string[], candidateLabels: string | string[], options?: ZeroShotOptions): Promise<ZeroShotResult[]>;
}

/** `ner(text)` -> entities; a list of texts gives a list of entity lists. */
export interface TokenClassificationPipeline extends Loaded<DebertaForTokenClassification> {
  (text: string, options?: TokenClassificationOptions): Promise<TokenEntity[]>;
  (texts: string[], options?: TokenClassificationOptions): Promise<TokenEntity[][]>;
}

/** `qa({question, context})` -> the best answer (or `topK` answers); a list gives one result per input. */
export interface QuestionAnsweringPipeline extends Loaded<DebertaForQuestionAnswering> {
  (input: QuestionAnsweringInput, options?: QuestionAnsweringOptions): Promise<Answer | Answer[]>;
  (inputs: QuestionAnsweringInput[], options?: QuestionAnsweringOptions): Promise<Array<Answer | Answer[]>>;
}

/** `fe(textOrTexts)` -> Tensor [batch, seq, hidden], or [batch, hidden] when pooled. */
export interface FeatureExtractionPipeline extends Loaded<DebertaModel> {
  (texts: string | string[], options?: FeatureExtractionOptions): Promise<Tensor>;
}

/** `gliner(text, labels, options)` -> entities (GLiNER's `predict_entities`); a list of texts gives one list per text. */
export interface GlinerPipeline extends Loaded<GlinerModel> {
  (text: string, labels: string | readonly string[], options?: PredictEntitiesOptions): Promise<GlinerEntity[]>;
  (texts: readonly string[], labels: string | readonly string[], options?: PredictEntitiesOptions): Promise<GlinerEntity[][]>;
}

/** The pipeline type of each task. */
export interface PipelineByTask {
  'fill-mask': FillMaskPipeline;
  'text-classification': TextClassificationPipeline;
  'sentiment-analysis': TextClassificationPipeline;
  'zero-shot-classification': ZeroShotClassificationPipeline;
  'token-classification': TokenClassificationPipeline;
  ner: TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'feature-extraction': FeatureExtractionPipeline;
  gliner: GlinerPipeline;
}

function attach<F extends object, M extends { dispose(): void }>(fn: F, task: Task, model: M, tokenizer: DebertaTokenizer): F & Loaded<M> {
  return Object.assign(fn, { task, model, tokenizer, dispose: () => model.dispose() });
}

/**
 * One call from text to an answer, like transformers' `pipeline(task, model)` and transformers.js: loads
 * the model (with the head the task needs) and its tokenizer from the same folder, URL or Hub id.
 *
 * ```ts
 * const fill = await pipeline('fill-mask', 'microsoft/deberta-v3-base');
 * await fill('Paris is the [MASK] of France.');
 * ```
 *
 * Every call of the returned pipeline checks its options the same way: an unknown key or a value of the
 * wrong type is an {@link InputError} naming it.
 *
 * @throws {InputError} for an unknown task, or an unknown option or a wrong option value (before anything is
 *   read: the message names the option and, for an unknown key, lists the valid ones)
 * @throws {ConfigError} for a zero-shot model whose label2id puts the entailment class outside its labels
 */
export async function pipeline<T extends Task>(task: T, source: string | URL | FileSource, options?: PipelineOptions): Promise<PipelineByTask[T]> {
  if (!(TASKS as readonly string[]).includes(task)) {
    throw new InputError(`unknown task ${typeof task === 'string' ? JSON.stringify(task) : describe(task)}; supported: ${TASKS.join(', ')}`);
  }
  const o = checkOptions(options, PIPELINE_OPTION_KEYS, 'pipeline');
  // Before any download or worker thread: a wrong value should not cost a 700 MB fetch first.
  checkLoadOptions(o);
  choiceOption(o.semantics, 'semantics', ['slow', 'fast'] as const, 'pipeline');
  intOption(o.modelMaxLength, 'modelMaxLength', 'pipeline');
  const compute = pick<ComputeOptions>(o, COMPUTE_OPTION_KEYS);
  checkComputeOptions(compute);
  if (task === 'gliner') {
    // A GLiNER repository has gliner_config.json, not config.json, and its own tokenizer rules.
    const model = await GlinerModel.fromPretrained(source, o);
    const fn = (input: string | readonly string[], labels: string | readonly string[], po?: PredictEntitiesOptions) =>
      typeof input === 'string' ? model.predictEntities(input, labels, po) : model.predictEntities(input, labels, po);
    return attach(fn, task, model, model.tokenizer) as PipelineByTask[T];
  }
  // The model's build path (model/build.ts), with the tokenizer loading alongside the checkpoint.
  const [ckpt, tokenizer] = await Promise.all([
    loadCheckpoint(source, pick<LoadOptions>(o, LOAD_OPTION_KEYS), compute.dtype === 'q8' ? 'on-demand' : 'eager'),
    AutoTokenizer.fromPretrained(source, pick<TokenizerLoadOptions>(o, TOKENIZER_LOAD_OPTION_KEYS)),
  ]);
  const from = modelSource(ckpt);
  // At load, where transformers warns too, not at the first call; a bad index throws here.
  if (task === 'zero-shot-classification' && !entailmentIds(from.config).found) console.warn(entailmentWarning(from.config));
  const build = <M>(cls: ModelClass<M>): M => construct(cls, from, compute);
  const many = <I, R>(run: (inputs: I[]) => Promise<R[]>) => async (input: I | I[]) => {
    const out = await run(Array.isArray(input) ? input : [input]);
    return Array.isArray(input) ? out : out[0];
  };
  switch (task) {
    case 'fill-mask': {
      const model = build(DebertaForMaskedLM);
      const fn = (input: string | string[], o?: FillMaskOptions) => many<string, FillMaskOutput>((xs) => fillMask(model, tokenizer, xs, o))(input);
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
    case 'text-classification':
    case 'sentiment-analysis': {
      const model = build(DebertaForSequenceClassification);
      const fn = (input: TextClassificationInput | TextClassificationInput[], o?: TextClassificationOptions) => classifyText(model, tokenizer, input, o);
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
    case 'zero-shot-classification': {
      const model = build(DebertaForSequenceClassification);
      const fn = (input: string | string[], labels: string | string[], o?: ZeroShotOptions) =>
        many<string, ZeroShotResult>((xs) => zeroShot(model, tokenizer, xs, labels, o))(input);
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
    case 'token-classification':
    case 'ner': {
      const model = build(DebertaForTokenClassification);
      const fn = (input: string | string[], o?: TokenClassificationOptions) => many<string, TokenEntity[]>((xs) => classifyTokens(model, tokenizer, xs, o))(input);
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
    case 'question-answering': {
      const model = build(DebertaForQuestionAnswering);
      const fn = async (input: QuestionAnsweringInput | QuestionAnsweringInput[], o?: QuestionAnsweringOptions) => {
        const list = Array.isArray(input) ? input : [input];
        if (list.length === 0) throw new InputError('question-answering needs at least one {question, context}');
        const answers = await answerQuestions(model, tokenizer, list, o);
        // transformers: exactly one answer is returned bare, otherwise a list (possibly empty).
        const shaped = answers.map((a) => (a.length === 1 ? a[0] : a));
        return Array.isArray(input) ? shaped : shaped[0];
      };
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
    case 'feature-extraction': {
      const model = build(DebertaModel);
      const fn = async (input: string | string[], o?: FeatureExtractionOptions) => {
        const texts = Array.isArray(input) ? input : [input];
        return (await extractFeatures(model, tokenizer, texts, o)).features;
      };
      return attach(fn, task, model, tokenizer) as PipelineByTask[T];
    }
  }
  throw new InputError(`unknown task ${describe(task)}`);
}
