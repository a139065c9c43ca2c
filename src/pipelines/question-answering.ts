import { InputError } from '../errors.js';
import type { DebertaForQuestionAnswering } from '../model/heads/classification.js';
import { checkOptions, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, boolOption, intOption, sequenceLimit, requireString, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** A question about a context. */
export interface QuestionAnsweringInput {
  question: string;
  context: string;
}

/** Options of a question-answering call (transformers' names, camelCase). */
export interface QuestionAnsweringOptions extends BatchOptions {
  /** Answers to return; default 1. */
  topK?: number;
  /** Longest answer in tokens; default 15. */
  maxAnswerLen?: number;
  /** Tokens shared by consecutive windows of a long context; default min(maxSeqLen / 2, 128). */
  docStride?: number;
  /** Window length in tokens, question included; default min(384, the model's limit). */
  maxSeqLen?: number;
  /** Longest question in tokens; default 64. */
  maxQuestionLen?: number;
  /** Also consider "no answer" (score of [CLS] as start and end); default false. */
  handleImpossibleAnswer?: boolean;
  /** Snap answers to whole words (default true), as transformers does. */
  alignToWords?: boolean;
}

/** Every {@link QuestionAnsweringOptions} key. */
export const QUESTION_ANSWERING_OPTION_KEYS: OptionKeys<QuestionAnsweringOptions> = mergeKeys<
  Omit<QuestionAnsweringOptions, keyof BatchOptions>,
  BatchOptions
>(
  { topK: true, maxAnswerLen: true, docStride: true, maxSeqLen: true, maxQuestionLen: true, handleImpossibleAnswer: true, alignToWords: true },
  BATCH_OPTION_KEYS,
);

const WHERE = 'question-answering';

/** An answer span. */
export interface Answer {
  score: number;
  /** [start, end) UTF-16 offsets into the context. */
  start: number;
  end: number;
  answer: string;
}

interface Piece {
  ids: number[];
  starts: number[];
  ends: number[];
}

/** Tokens of one text without [CLS]/[SEP], with offsets. */
function pieces(tokenizer: DebertaTokenizer, text: string): Piece {
  // The context is cut into windows below, so a long one is expected: an explicit maxLength without truncation
  // tells the tokenizer not to warn about its length.
  const enc = tokenizer(text, { returnOffsets: true, addSpecialTokens: false, truncation: false, maxLength: Number.MAX_SAFE_INTEGER });
  const offsets = enc.offsets![0];
  return { ids: enc.inputIds[0], starts: offsets.map((o) => o[0]), ends: offsets.map((o) => o[1]) };
}

/**
 * Extractive QA over contexts of any length: the context is cut into overlapping windows
 * (`[CLS] question [SEP] window [SEP]`), every window is scored, and the best spans over all windows win.
 * Scores follow transformers: per window, softmax of start and end logits over context tokens and [CLS],
 * span score = p(start) · p(end), spans no longer than `maxAnswerLen`.
 */
export async function answerQuestions(
  model: DebertaForQuestionAnswering,
  tokenizer: DebertaTokenizer,
  inputs: QuestionAnsweringInput[],
  options?: QuestionAnsweringOptions,
): Promise<Answer[][]> {
  const o = checkOptions(options, QUESTION_ANSWERING_OPTION_KEYS, WHERE);
  const topK = intOption(o.topK, 'topK', WHERE) ?? 1;
  const maxAnswerLen = intOption(o.maxAnswerLen, 'maxAnswerLen', WHERE) ?? 15;
  const maxSeqLen = Math.min(intOption(o.maxSeqLen, 'maxSeqLen', WHERE) ?? 384, sequenceLimit(model.config, tokenizer));
  const stride = intOption(o.docStride, 'docStride', WHERE, 0) ?? Math.min(Math.floor(maxSeqLen / 2), 128);
  const maxQuestionLen = intOption(o.maxQuestionLen, 'maxQuestionLen', WHERE) ?? 64;
  const handleImpossibleAnswer = boolOption(o.handleImpossibleAnswer, 'handleImpossibleAnswer', WHERE) ?? false;
  const alignToWords = boolOption(o.alignToWords, 'alignToWords', WHERE) ?? true;
  const plan = batchPlanOf(o, WHERE);
  const cls = tokenizer.clsTokenId;
  const sep = tokenizer.sepTokenId;
  // Every window of every input is a row, so the windows of all inputs are batched together by length.
  interface Row { input: number; start: number; count: number; ids: number[]; types: number[] }
  const rows: Row[] = [];
  const prepared: Array<{ context: string; qIds: number[]; c: Piece; starts: Uint8Array; rows: readonly [number, number] }> = [];
  // A for-of over entries(), not map: map skips the holes of a sparse array, which must fail as missing inputs.
  for (const [i, input] of inputs.entries()) {
    const question = requireString(input?.question, `${WHERE}: input ${i}.question`);
    const context = requireString(input?.context, `${WHERE}: input ${i}.context`);
    if (question.trim() === '') throw new InputError(`${WHERE}: input ${i}: the question is empty`);
    if (context.trim() === '') throw new InputError(`${WHERE}: input ${i}: the context is empty`);
    const q = pieces(tokenizer, question);
    const qIds = q.ids.slice(0, maxQuestionLen);
    const c = pieces(tokenizer, context);
    const starts = wordStarts(c, context, tokenizer.vocabType);
    const windowLen = maxSeqLen - qIds.length - 3;
    if (windowLen < 1) throw new InputError(`${WHERE}: maxSeqLen ${maxSeqLen} leaves no room for the context after a ${qIds.length}-token question`);
    if (stride >= windowLen) {
      throw new InputError(`${WHERE}: docStride ${stride} must be smaller than the context window (${windowLen} tokens = maxSeqLen - question - 3)`);
    }
    // Window w covers context tokens [w·(windowLen - stride), +windowLen), as the Rust tokenizer's overflow does.
    const first = rows.length;
    for (let start = 0; ; start += windowLen - stride) {
      const ctx = c.ids.slice(start, start + windowLen);
      rows.push({ input: i, start, count: ctx.length, ids: [cls, ...qIds, sep, ...ctx, sep], types: [0, ...qIds.map(() => 0), 0, ...ctx.map(() => 1), 1] });
      if (start + windowLen >= c.ids.length) break;
    }
    prepared.push({ context, qIds, c, starts, rows: [first, rows.length] });
  }
  // Each row's logits, unpadded: positions past a row's length are never allowed, so they cannot change a score.
  const logits: Array<{ start: Float32Array; end: Float32Array }> = new Array(rows.length);
  const lengths = rows.map((r) => r.ids.length);
  const name = (j: number) => `window ${j - prepared[rows[j].input].rows[0]} of input ${rows[j].input}`;
  for (const group of planBatches(lengths, { ...plan, name })) {
    const L = Math.max(...group.map((j) => lengths[j]));
    const pad = tokenizer.padTokenId;
    const batch = group.map((j) => rows[j]);
    const out = await model.forward({
      inputIds: batch.map((r) => [...r.ids, ...Array<number>(L - r.ids.length).fill(pad)]),
      attentionMask: batch.map((r) => [...r.ids.map(() => 1), ...Array(L - r.ids.length).fill(0)]),
      tokenTypeIds: batch.map((r) => [...r.types, ...Array(L - r.types.length).fill(0)]),
    }, { padding: 'skip' });
    group.forEach((j, b) => {
      logits[j] = { start: out.startLogits.data.slice(b * L, b * L + lengths[j]), end: out.endLogits.data.slice(b * L, b * L + lengths[j]) };
    });
  }
  const results: Answer[][] = [];
  for (const { context, qIds, c, starts, rows: [from0, to0] } of prepared) {
    const answers: Answer[] = [];
    let minNull = Infinity;
    for (let j = from0; j < to0; j++) {
      const r = rows[j];
      const first = qIds.length + 2; // position of the window's first context token
      const allowed = (t: number) => t === 0 || (t >= first && t < first + r.count);
      const start = probabilities(logits[j].start, allowed);
      const end = probabilities(logits[j].end, allowed);
      minNull = Math.min(minNull, start[0] * end[0]);
      start[0] = end[0] = 0;
      for (const [s, e, score] of bestSpans(start, end, topK, maxAnswerLen, allowed)) {
        let cs = r.start + s - first;
        let ce = r.start + e - first;
        if (alignToWords) {
          while (cs > 0 && !starts[cs]) cs--;
          while (ce + 1 < c.ids.length && !starts[ce + 1]) ce++;
        }
        const from = c.starts[cs];
        const to = c.ends[ce];
        answers.push({ score, start: from, end: to, answer: context.slice(from, to) });
      }
    }
    if (handleImpossibleAnswer) answers.push({ score: minNull, start: 0, end: 0, answer: '' });
    results.push(answers.sort((a, b) => b.score - a.score).slice(0, topK));
  }
  return results;
}

/** Softmax over the allowed positions; the others get 0 (transformers masks them with -10000). */
function probabilities(logits: Float32Array, allowed: (t: number) => boolean): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let t = 0; t < logits.length; t++) if (allowed(t) && logits[t] > max) max = logits[t];
  let sum = 0;
  for (let t = 0; t < logits.length; t++) {
    p[t] = allowed(t) ? Math.exp(logits[t] - max) : 0;
    sum += p[t];
  }
  for (let t = 0; t < p.length; t++) p[t] /= sum;
  return p;
}

/**
 * The k best (start, end) with start <= end < start + maxLen, by p(start)·p(end), over allowed context tokens
 * ([CLS] at 0 only scores "no answer", which the caller handles).
 */
function bestSpans(start: Float64Array, end: Float64Array, k: number, maxLen: number, allowed: (t: number) => boolean): Array<[number, number, number]> {
  const spans: Array<[number, number, number]> = [];
  for (let s = 1; s < start.length; s++) {
    if (!allowed(s)) continue;
    for (let e = s; e < Math.min(end.length, s + maxLen); e++) {
      if (allowed(e)) spans.push([s, e, start[s] * end[e]]);
    }
  }
  return spans.sort((a, b) => b[2] - a[2]).slice(0, k);
}

/** GPT-2's pre-tokenizer pattern: the words of DeBERTa v1's byte-level BPE. */
const BYTE_LEVEL_WORD = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Whether context token t starts a pre-tokenizer word, as transformers' `token_to_word` sees it: Metaspace
 * (v2/v3) splits at spaces, so a word starts at a token whose text begins with one; byte-level BPE (v1) splits
 * with GPT-2's pattern, so a word starts where one of its matches starts.
 */
function wordStarts(c: Piece, context: string, vocabType: 'spm' | 'bpe'): Uint8Array {
  const starts = new Uint8Array(c.ids.length);
  if (vocabType === 'bpe') {
    const matchStarts = new Set<number>();
    for (const m of context.matchAll(BYTE_LEVEL_WORD)) matchStarts.add(m.index);
    c.starts.forEach((s, t) => { starts[t] = t === 0 || matchStarts.has(s) ? 1 : 0; });
  } else {
    c.starts.forEach((s, t) => { starts[t] = t === 0 || /^\s/.test(context.slice(s, c.ends[t])) ? 1 : 0; });
  }
  return starts;
}
