import { InputError } from '../errors.js';
import type { DebertaForSequenceClassification } from '../model/heads/classification.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, boolOption, choiceOption, encodeBatch, labelOf, requireString, tokenLengths, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
import { sigmoid, softmax } from './scores.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** A text, or a pair of texts classified together (`[CLS] text [SEP] textPair [SEP]`). */
export type TextClassificationInput = string | { text: string; textPair?: string };

/** One label and its score. */
export interface LabelScore {
  label: string;
  score: number;
}

/** Options of a text-classification call. */
export interface TextClassificationOptions extends BatchOptions {
  /**
   * Absent: the top label only (transformers' legacy shapes: a string gives `[{label, score}]`, a pair a bare
   * `{label, score}`). A number: the best k, sorted. `null`: every label, sorted.
   */
  topK?: number | null;
  /** Default: sigmoid for multi-label or single-output models, else softmax. `'none'` gives raw logits. */
  functionToApply?: 'softmax' | 'sigmoid' | 'none';
  /** Deprecated transformers option: every label in id order, unsorted. */
  returnAllScores?: boolean;
  /** Truncate inputs to the model's limit (default true). */
  truncation?: boolean | 'only_first' | 'only_second' | 'longest_first';
}

/** Every {@link TextClassificationOptions} key. */
export const TEXT_CLASSIFICATION_OPTION_KEYS: OptionKeys<TextClassificationOptions> = mergeKeys<
  Omit<TextClassificationOptions, keyof BatchOptions>,
  BatchOptions
>({ topK: true, functionToApply: true, returnAllScores: true, truncation: true }, BATCH_OPTION_KEYS);

const WHERE = 'text-classification';

/** The result for one input, shaped by the options as in transformers. */
export type TextClassificationResult = LabelScore | LabelScore[] | LabelScore[][];

/** Runs text classification; returns transformers' output shape for the given input shape and options. */
export async function classifyText(
  model: DebertaForSequenceClassification,
  tokenizer: DebertaTokenizer,
  input: TextClassificationInput | TextClassificationInput[],
  options?: TextClassificationOptions,
): Promise<TextClassificationResult | TextClassificationResult[]> {
  const o = checkOptions(options, TEXT_CLASSIFICATION_OPTION_KEYS, WHERE);
  const legacy = o.topK === undefined;
  const fn = choiceOption(o.functionToApply, 'functionToApply', ['softmax', 'sigmoid', 'none'] as const, WHERE) ?? defaultFunction(model);
  if (!legacy && o.topK !== null && (typeof o.topK !== 'number' || !Number.isInteger(o.topK) || o.topK < 1)) {
    throw new InputError(`${WHERE}: topK must be a positive integer or null, got ${describe(o.topK)}`);
  }
  const returnAllScores = boolOption(o.returnAllScores, 'returnAllScores', WHERE) ?? false;
  const truncation = choiceOption(o.truncation, 'truncation', [true, false, 'only_first', 'only_second', 'longest_first'] as const, WHERE) ?? true;
  const plan = batchPlanOf(o, WHERE);
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw new InputError(`${WHERE} needs at least one input`);
  const texts = list.map((x, i) => (typeof x === 'string' ? x : requireString(x?.text, `${WHERE}: input ${i}.text`)));
  const pairs = list.map((x, i) =>
    typeof x === 'string' || x.textPair === undefined ? null : requireString(x.textPair, `${WHERE}: input ${i}.textPair`),
  );
  const results = new Array<TextClassificationResult>(list.length);
  const n = model.config.numLabels;
  // Single texts and pairs are batched apart, so each goes through the tokenizer the way it would alone.
  const kinds = [list.flatMap((_, i) => (pairs[i] === null ? [i] : [])), list.flatMap((_, i) => (pairs[i] === null ? [] : [i]))];
  for (const [kind, members] of kinds.entries()) {
    if (members.length === 0) continue;
    const textsOf = (ix: number[]) => ix.map((i) => texts[i]);
    const pairsOf = (ix: number[]) => (kind === 0 ? null : ix.map((i) => pairs[i] as string));
    const lengths = tokenLengths(tokenizer, model.config, textsOf(members), pairsOf(members), truncation);
    for (const group of planBatches(lengths, { ...plan, name: (j) => `input ${members[j]}` })) {
      const indices = group.map((j) => members[j]);
      const enc = encodeBatch(tokenizer, model.config, textsOf(indices), pairsOf(indices), truncation);
      const { logits } = await model.forward(enc, { padding: 'skip' });
      indices.forEach((i, b) => {
        const row = logits.data.subarray(b * n, (b + 1) * n);
        const scores = fn === 'softmax' ? softmax(row) : fn === 'sigmoid' ? sigmoid(row) : Float64Array.from(row);
        const all = Array.from(scores, (score, c) => ({ label: labelOf(model.config, c), score }));
        // An explicit topK wins over the deprecated returnAllScores, as in transformers.
        if (legacy && returnAllScores) results[i] = all;
        else if (legacy) results[i] = all.reduce((best, x) => (x.score > best.score ? x : best));
        else {
          const sorted = all.slice().sort((a, b2) => b2.score - a.score);
          results[i] = o.topK === null ? sorted : sorted.slice(0, o.topK);
        }
      });
    }
  }
  if (!Array.isArray(input)) return typeof input === 'string' && legacy ? ([results[0]] as TextClassificationResult) : results[0];
  return results;
}

function defaultFunction(model: DebertaForSequenceClassification): 'softmax' | 'sigmoid' | 'none' {
  const { problemType, numLabels } = model.config;
  if (problemType === 'multi_label_classification' || numLabels === 1) return 'sigmoid';
  return 'softmax';
}
