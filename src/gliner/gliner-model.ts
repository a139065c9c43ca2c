/**
 * GLiNER (urchade/GLiNER v0.2.27) on a DeBERTa backbone: zero-shot named entity recognition for any labels.
 * `UniEncoderSpanGLiNER` (span_mode `markerV0`) and `UniEncoderTokenGLiNER` (`token_level`).
 */
import { ConfigError, InputError } from '../errors.js';
import type { FileSource } from '../io/file-source.js';
import { checkLoadOptions } from '../io/load-options.js';
import { resolveSource } from '../io/resolve.js';
import { checkComputeOptions } from '../model/backend-options.js';
import { DebertaModel, rowOf, stateRows } from '../model/deberta-model.js';
import type { ModelDtype } from '../model/dtype.js';
import { Linear } from '../model/linear.js';
import { Weights } from '../model/weights.js';
import { checkOptions, describe } from '../options.js';
import type { Backend } from '../tensor/backend.js';
import { pickBackend } from '../tensor/default-backend.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';
import { TOKENIZER_LOAD_OPTION_KEYS, type TokenizerLoadOptions } from '../tokenizers/auto.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';
import { BiLstm } from './bilstm.js';
import { checkGlinerSettings, parseGlinerConfig, type GlinerConfig } from './config.js';
import { greedySearch, spanCandidatesAbove, tokenCandidatesAbove, type WordSpan } from './decode.js';
import { planBatches } from '../pipelines/batching.js';
import { checkLabels, checkPredictOptions, GLINER_LOAD_OPTION_KEYS, type GlinerLoadOptions, type PredictEntitiesOptions, type ResolvedPredictOptions } from './options.js';
import { buildInput, dedupeLabels, type GlinerInput } from './processor.js';
import { loadGlinerTokenizer, readBackboneConfig, readGlinerConfigJson, readGlinerWeights } from './source.js';
import { SpanHead } from './span-head.js';
import { TokenHead } from './token-head.js';
import { windowedWordSpans } from './windows.js';
import { splitWords, type Word } from './words.js';

/** One entity found in a text. */
export interface GlinerEntity {
  /** Offset of its first character in the text, in UTF-16 units (JS string indices). */
  start: number;
  /** Offset after its last character, in UTF-16 units. */
  end: number;
  /** `text.slice(start, end)`. */
  text: string;
  label: string;
  /** The model's probability for this span and label. */
  score: number;
}

/** What {@link GlinerModel.forward} returns. */
export interface GlinerOutput {
  /** [1, words, maxWidth, labels] (span models) or [1, words, labels, 3] (start, end, inside; token models). */
  logits: Tensor;
}

/** Everything after the backbone for one text: its logits over the words it was given. */
interface TextLogits {
  readonly input: GlinerInput;
  readonly logits: Float32Array;
}

/**
 * A GLiNER model: a DeBERTa backbone, a BiLSTM over the words, and a span or token head that scores every
 * candidate against every label.
 *
 * ```ts
 * const gliner = await GlinerModel.fromPretrained('urchade/gliner_multi-v2.1');
 * await gliner.predictEntities('Marie Curie worked in Paris.', ['person', 'city']);
 * // [[{ start: 0, end: 11, text: 'Marie Curie', label: 'person', score }, ...]]
 * ```
 */
export class GlinerModel {
  readonly config: GlinerConfig;
  readonly tokenizer: DebertaTokenizer;
  /** The backbone (`token_rep_layer.bert_layer.model`). */
  readonly backbone: DebertaModel;
  readonly backend: Backend;
  private readonly projection: Linear | null;
  private readonly rnn: BiLstm;
  private readonly spanHead: SpanHead | null;
  private readonly tokenHead: TokenHead | null;
  private readonly ownsBackend: boolean;
  private disposed = false;

  /**
   * Builds the model from gliner_config.json (raw), the checkpoint's tensors and the tokenizer, on `backend`.
   * `fromPretrained` reads these and picks the backend first; this is what it ends with.
   *
   * @param configJson gliner_config.json as parsed JSON
   * @param tensors the checkpoint's tensors by GLiNER's state-dict keys
   * @param tokenizer the checkpoint's tokenizer, with GLiNER's `<<ENT>>` and `<<SEP>>` tokens
   * @param backend the backend to pack weights for and compute on
   * @param ownsBackend the backend was made for this model: {@link dispose} disposes it too
   * @param source where the tensors came from, for error messages
   * @param backboneConfig the backbone's config.json, when gliner_config.json has no `encoder_config`
   *
   * @throws {ConfigError} for unsupported settings, or a `class_token_index` that is not the tokenizer's <<ENT>>
   * @throws {WeightsError} naming a missing or misshapen tensor
   */
  constructor(
    configJson: unknown,
    tensors: TensorMap,
    tokenizer: DebertaTokenizer,
    backend: Backend,
    ownsBackend = false,
    source = 'weights',
    backboneConfig?: unknown,
    dtype: ModelDtype = 'fp32',
  ) {
    const config = parseGlinerConfig(configJson, backboneConfig);
    const H = config.hiddenSize;
    if (H % 2 !== 0) throw new ConfigError(`gliner_config.json: "hidden_size" ${H} must be even (the BiLSTM gives H/2 per direction)`);
    const [ent, sep] = tokenizer.convertTokensToIds([config.entToken, config.sepToken]);
    if (ent === tokenizer.unkTokenId || sep === tokenizer.unkTokenId) {
      throw new ConfigError(`the tokenizer has no ${ent === tokenizer.unkTokenId ? config.entToken : config.sepToken} token (gliner_config.json "${ent === tokenizer.unkTokenId ? 'ent_token' : 'sep_token'}")`);
    }
    const classTokenIndex = config.classTokenIndex ?? ent;
    if (classTokenIndex !== ent) {
      throw new ConfigError(`gliner_config.json: "class_token_index" ${classTokenIndex} is not the id of ${config.entToken} (${ent}) in the tokenizer`);
    }
    this.config = { ...config, classTokenIndex };
    this.tokenizer = tokenizer;
    this.backend = backend;
    this.ownsBackend = ownsBackend;
    const w = dtype === 'fp32' ? new Weights(tensors, '', source) : new Weights(tensors, '', source).withDtype(dtype);
    const token = w.scope('token_rep_layer');
    this.backbone = new DebertaModel(config.encoder, token.scope('bert_layer.model'), backend);
    const Hb = config.encoder.hiddenSize;
    this.projection = Hb !== H || token.has('projection.weight') ? new Linear(backend, token.scope('projection'), Hb, H) : null;
    this.rnn = new BiLstm(backend, w.scope('rnn.lstm'), H);
    if (config.spanMode === 'token_level') {
      this.spanHead = null;
      this.tokenHead = new TokenHead(backend, w.scope('scorer'), H);
    } else {
      this.spanHead = new SpanHead(backend, w.scope('span_rep_layer.span_rep_layer'), w.scope('prompt_rep_layer'), H, config.maxWidth);
      this.tokenHead = null;
    }
    if (w.dtype === 'q8') w.release(); // as model/build.ts: nothing may pin the float32 file
  }

  /**
   * Loads a GLiNER checkpoint from a folder (Node), a URL or a Hub id: gliner_config.json (with the
   * backbone's `encoder_config`), model.safetensors or else pytorch_model.bin, and the tokenizer files of the
   * repository (else the tokenizer of the backbone named in `model_name`, plus GLiNER's added tokens).
   *
   * @throws {InputError} for an unknown option or a value of the wrong type
   * @throws {ConfigError} naming a gliner_config.json field this port does not support
   * @throws {WeightsError} naming a missing file or tensor
   */
  static async fromPretrained(source: string | URL | FileSource, options?: GlinerLoadOptions): Promise<GlinerModel> {
    const where = 'GlinerModel.fromPretrained';
    const o = checkOptions(options, GLINER_LOAD_OPTION_KEYS, where);
    // Every value checked before the download: a wrong one should not cost a large fetch first.
    checkLoadOptions(o);
    checkComputeOptions(o);
    if (o.semantics !== undefined && o.semantics !== 'slow' && o.semantics !== 'fast') {
      throw new InputError(`${where}: semantics must be 'slow' or 'fast', got ${describe(o.semantics)}`);
    }
    const src = await resolveSource(source, o);
    const configJson = await readGlinerConfigJson(src);
    checkGlinerSettings(configJson); // before anything else is read: an unsupported model fails fast
    const backboneConfig = await readBackboneConfig(configJson, o);
    const config = parseGlinerConfig(configJson, backboneConfig);
    const tokenizerOptions: TokenizerLoadOptions = Object.fromEntries(Object.entries(o).filter(([k]) => Object.hasOwn(TOKENIZER_LOAD_OPTION_KEYS, k)));
    const [{ tensors, finish }, tokenizer] = await Promise.all([readGlinerWeights(src, o.dtype === 'q8'), loadGlinerTokenizer(src, config.modelName, tokenizerOptions)]);
    const { backend, owned } = pickBackend(o);
    try {
      const model = new GlinerModel(configJson, tensors, tokenizer, backend, owned, src.name, backboneConfig, o.dtype);
      finish?.();
      return model;
    } catch (e) {
      if (owned) backend.dispose?.();
      throw e;
    }
  }

  /** Frees packed weights and this model's worker threads (when it has its own). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backbone.dispose();
    this.projection?.dispose();
    this.spanHead?.dispose();
    this.tokenHead?.dispose();
    if (this.ownsBackend) this.backend.dispose?.();
  }

  private checkUsable(): void {
    if (this.disposed) throw new InputError('this GLiNER model was disposed');
  }

  /** Labels checked and de-duplicated (first occurrence kept). */
  private labels(labels: unknown, where: string): string[] {
    return dedupeLabels(checkLabels(labels, where, [this.config.entToken, this.config.sepToken]));
  }

  /**
   * The raw logits GLiNER computes for one text (its first `max_len` words) and `labels`.
   *
   * @throws {InputError} for a text that is not a string or has no words, or bad labels
   */
  async forward(text: string, labels: readonly string[]): Promise<GlinerOutput> {
    this.checkUsable();
    if (typeof text !== 'string') throw new InputError(`GlinerModel.forward: text must be a string, got ${describe(text)}`);
    const all = splitWords(text);
    if (all.length === 0) throw new InputError('GlinerModel.forward: the text has no words (empty or whitespace only)');
    if (all.length > this.config.maxLen) console.warn(truncationWarning('', all.length, this.config.maxLen));
    const words = all.slice(0, this.config.maxLen);
    const [r] = this.run([this.input(words, all.length, this.labels(labels, 'GlinerModel.forward'))], 1, Number.MAX_SAFE_INTEGER, 'GlinerModel.forward');
    const W = words.length;
    const C = r.input.labels.length;
    const shape = this.spanHead !== null ? [1, W, this.config.maxWidth, C] : [1, W, C, 3];
    return { logits: new Tensor(r.logits, shape) };
  }

  /**
   * Entities of each text for `labels`, as GLiNER's `predict_entities` / `inference` finds them. A string gives
   * one list of entities, an array one list per text; whitespace-only texts give [].
   *
   * @throws {InputError} for bad texts, labels (empty list, blank label) or options (threshold outside (0, 1))
   */
  async predictEntities(text: string, labels: readonly string[] | string, options?: PredictEntitiesOptions): Promise<GlinerEntity[]>;
  async predictEntities(texts: readonly string[], labels: readonly string[] | string, options?: PredictEntitiesOptions): Promise<GlinerEntity[][]>;
  async predictEntities(input: string | readonly string[], labels: readonly string[] | string, options?: PredictEntitiesOptions): Promise<GlinerEntity[] | GlinerEntity[][]> {
    const where = 'GlinerModel.predictEntities';
    this.checkUsable();
    const o = checkPredictOptions(options, where);
    const list = this.labels(labels, where);
    const texts = typeof input === 'string' ? [input] : input;
    if (!Array.isArray(texts)) throw new InputError(`${where}: text must be a string or an array of strings, got ${describe(input)}`);
    texts.forEach((t: unknown, i) => {
      if (typeof t !== 'string') throw new InputError(`${where}: texts[${i}] must be a string, got ${describe(t)}`);
    });
    const out = await this.entities(texts, list, o);
    return typeof input === 'string' ? out[0] : out;
  }

  /** Entities of every text (checked inputs). */
  private async entities(texts: readonly string[], labels: string[], o: ResolvedPredictOptions): Promise<GlinerEntity[][]> {
    const maxLen = this.config.maxLen;
    const split = texts.map((t) => splitWords(t));
    if (o.window) {
      const spans = windowedWordSpans(split, maxLen, o, (windows) => this.candidates(windows.map((w) => this.input(w, w.length, labels)), o));
      return texts.map((t, i) => toEntities(t, split[i], spans[i], labels));
    }
    const inputs: GlinerInput[] = [];
    const at: number[] = [];
    split.forEach((words, i) => {
      if (words.length === 0) return;
      if (words.length > maxLen) {
        console.warn(truncationWarning(texts.length > 1 ? `${i} ` : '', words.length, maxLen));
      }
      at.push(i);
      inputs.push(this.input(words.slice(0, maxLen), words.length, labels));
    });
    const spans = this.candidates(inputs, o).map((c) => greedySearch(c, o));
    const out: GlinerEntity[][] = texts.map(() => []);
    at.forEach((i, j) => (out[i] = toEntities(texts[i], inputs[j].words, spans[j], labels)));
    return out;
  }

  /** The candidates of each input above the threshold (the model's batches, then GLiNER's decoder before its greedy selection). */
  private candidates(inputs: readonly GlinerInput[], o: ResolvedPredictOptions): WordSpan[][] {
    const results = this.run(inputs, o.batchSize, o.maxTokensPerBatch, 'GlinerModel.predictEntities');
    return results.map(({ input, logits }) => {
      const W = input.words.length;
      const C = input.labels.length;
      const candidates =
        this.spanHead !== null
          ? spanCandidatesAbove(logits, W, this.config.maxWidth, C, o.threshold)
          : tokenCandidatesAbove(logits, W, C, o.threshold);
      return candidates;
    });
  }

  private input(words: readonly Word[], numWords: number, labels: readonly string[]): GlinerInput {
    return buildInput(this.tokenizer, words, numWords, labels, this.config.entToken, this.config.sepToken);
  }

  /**
   * Runs the inputs through the model in padded batches grouped by token length (at most `batchSize` inputs
   * and `maxTokens` padded tokens each), returning the results in input order.
   */
  private run(inputs: readonly GlinerInput[], batchSize: number, maxTokens: number, where: string): TextLogits[] {
    const out = new Array<TextLogits>(inputs.length);
    const plan = planBatches(inputs.map((x) => x.inputIds.length), { batchSize, maxTokens, where });
    for (const group of plan) this.runBatch(group.map((i) => inputs[i])).forEach((r, b) => (out[group[b]] = r));
    return out;
  }

  private runBatch(batch: readonly GlinerInput[]): TextLogits[] {
    const T = Math.max(...batch.map((b) => b.inputIds.length));
    const inputIds = batch.map((b) => [...b.inputIds, ...new Array<number>(T - b.inputIds.length).fill(this.tokenizer.padTokenId)]);
    const attentionMask = batch.map((b) => [...new Array<number>(b.inputIds.length).fill(1), ...new Array<number>(T - b.inputIds.length).fill(0)]);
    // Packed (padding 'skip'): the backbone and the projection compute the real tokens only.
    const run = this.backbone.run({ inputIds, attentionMask }, undefined, 'GlinerModel', 'skip');
    const Hb = this.config.encoder.hiddenSize;
    const H = this.config.hiddenSize;
    let tokens = run.states[run.states.length - 1];
    if (this.projection !== null) tokens = this.projection.forward(tokens, stateRows(run));
    const width = this.projection !== null ? H : Hb;
    return batch.map((input, b) => {
      const base = rowOf(run, b, 0) * width; // the sequence's rows are consecutive from its first token
      const C = input.labels.length;
      const W = input.words.length;
      const labels = new Float32Array(C * H);
      let c = 0;
      input.inputIds.forEach((id, t) => {
        if (id === this.config.classTokenIndex && c < C) labels.set(tokens.subarray(base + t * width, base + (t + 1) * width), H * c++);
      });
      const words = new Float32Array(W * H);
      input.wordsMask.forEach((m, t) => {
        if (m > 0) words.set(tokens.subarray(base + t * width, base + (t + 1) * width), (m - 1) * H);
      });
      const rnn = this.rnn.forward(words, W);
      const logits = this.spanHead !== null ? this.spanHead.forward(rnn, W, labels, C) : this.tokenHead!.forward(rnn, W, labels, C);
      return { input, logits };
    });
  }
}

/** GLiNER's warning for a text longer than max_len words, with how many were dropped. */
function truncationWarning(which: string, words: number, maxLen: number): string {
  return `GLiNER: text ${which}has ${words} words; the model sees the first ${maxLen} (max_len), ${words - maxLen} dropped (pass { window: true } to cover them)`;
}

/** Word spans as character entities of `text`. */
export function toEntities(text: string, words: readonly Word[], spans: readonly WordSpan[], labels: readonly string[]): GlinerEntity[] {
  return spans.map((s) => {
    const start = words[s.start].start;
    const end = words[s.end].end;
    return { start, end, text: text.slice(start, end), label: labels[s.label], score: s.score };
  });
}
