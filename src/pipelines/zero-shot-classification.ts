import { InputError } from '../errors.js';
import type { DebertaForSequenceClassification } from '../model/heads/classification.js';
import { chunks, encodeBatch, requireString, type BatchOptions } from './common.js';
import { argsortDescending } from './scores.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** Options of a zero-shot call. */
export interface ZeroShotOptions extends BatchOptions {
  /** The hypothesis built from each label; must contain `{}`. Default `"This example is {}."`. */
  hypothesisTemplate?: string;
  /** Score each label on its own (entailment vs contradiction) instead of across labels. */
  multiLabel?: boolean;
}

/** Labels sorted by score, best first. */
export interface ZeroShotResult {
  sequence: string;
  labels: string[];
  scores: number[];
}

/**
 * transformers' rule: the entailment class is the first label (in label2id order) whose name starts with
 * "entail"; no contradiction label is looked up: it is class 0, or the last class (Python's index -1) when
 * entailment is 0. This makes 2-label {entailment, not_entailment} models work too.
 */
export function entailmentIds(model: DebertaForSequenceClassification): { entailment: number; contradiction: number } {
  const entries = Object.entries(model.config.label2id);
  const found = entries.find(([label]) => label.toLowerCase().startsWith('entail'));
  if (found === undefined) {
    const labels = Object.values(model.config.id2label).join(', ') || '(none)';
    throw new InputError(`zero-shot classification needs an NLI model with an "entailment" label; this one has: ${labels}`);
  }
  const entailment = found[1];
  return { entailment, contradiction: entailment === 0 ? model.config.numLabels - 1 : 0 };
}

/** Normalises candidate labels: a list, or a comma-separated string (each label trimmed). */
export function candidateLabels(labels: string | string[]): string[] {
  const list = typeof labels === 'string' ? labels.split(',').map((l) => l.trim()).filter((l) => l.length > 0) : labels;
  if (!Array.isArray(list) || list.length === 0) throw new InputError('candidateLabels must name at least one label');
  list.forEach((l, i) => requireString(l, `candidateLabels[${i}]`));
  return list;
}

/**
 * Zero-shot classification by NLI: each (sequence, hypothesis(label)) pair goes through the model, all pairs
 * in padded batches, the premise truncated first when the pair is too long.
 */
export async function zeroShot(
  model: DebertaForSequenceClassification,
  tokenizer: DebertaTokenizer,
  sequences: string[],
  labels: string | string[],
  options: ZeroShotOptions = {},
): Promise<ZeroShotResult[]> {
  const names = candidateLabels(labels);
  const template = options.hypothesisTemplate ?? 'This example is {}.';
  if (typeof template !== 'string' || !template.includes('{}')) {
    throw new InputError(`hypothesisTemplate ${JSON.stringify(template)} has no {} for the label`);
  }
  if (sequences.length === 0) throw new InputError('zero-shot classification needs at least one sequence');
  sequences.forEach((s, i) => requireString(s, `sequence ${i}`));
  const { entailment, contradiction } = entailmentIds(model);
  const hypotheses = names.map((l) => template.replace('{}', () => l)); // a function: no $-patterns in labels
  // Sequence-major, label-minor, as transformers orders them.
  const pairs = sequences.flatMap((s) => hypotheses.map((h) => [s, h] as const));
  const n = model.config.numLabels;
  const logits = new Float32Array(pairs.length * n);
  let at = 0;
  for (const group of chunks(pairs, options.batchSize ?? 8)) {
    const enc = encodeBatch(tokenizer, model.config, group.map((p) => p[0]), group.map((p) => p[1]), 'only_first');
    const out = await model.forward(enc);
    logits.set(out.logits.data, at * n);
    at += group.length;
  }
  const multi = options.multiLabel === true || names.length === 1;
  return sequences.map((sequence, s) => {
    const row = (l: number, c: number) => logits[(s * names.length + l) * n + c];
    let scores: number[];
    if (multi) {
      // Each label alone: softmax over [contradiction, entailment].
      scores = names.map((_, l) => {
        const e = Math.exp(row(l, entailment));
        return e / (Math.exp(row(l, contradiction)) + e);
      });
    } else {
      // Softmax of the entailment logits across labels (no max shift, as transformers' numpy code).
      const e = names.map((_, l) => Math.exp(row(l, entailment)));
      const sum = e.reduce((a, b) => a + b, 0);
      scores = e.map((x) => x / sum);
    }
    const order = argsortDescending(scores);
    return { sequence, labels: order.map((i) => names[i]), scores: order.map((i) => scores[i]) };
  });
}

