import { ConfigError, InputError } from '../errors.js';
import type { DebertaConfig } from '../model/config.js';
import type { DebertaForSequenceClassification } from '../model/heads/classification.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, boolOption, encodeBatch, requireString, tokenLengths, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
import { argsortDescending } from './scores.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** Options of a zero-shot call. */
export interface ZeroShotOptions extends BatchOptions {
  /**
   * The hypothesis built from each label, with Python's `str.format` rules as transformers applies them: `{}`
   * (or `{0}`) where the label goes, `{{` and `}}` for literal braces. Default `"This example is {}."`.
   */
  hypothesisTemplate?: string;
  /** Score each label on its own (entailment vs contradiction) instead of across labels. */
  multiLabel?: boolean;
}

/** Every {@link ZeroShotOptions} key. */
export const ZERO_SHOT_OPTION_KEYS: OptionKeys<ZeroShotOptions> = mergeKeys<Omit<ZeroShotOptions, keyof BatchOptions>, BatchOptions>(
  { hypothesisTemplate: true, multiLabel: true },
  BATCH_OPTION_KEYS,
);

/** Labels sorted by score, best first. */
export interface ZeroShotResult {
  sequence: string;
  labels: string[];
  scores: number[];
}

/** The classes zero-shot classification reads, and whether a label named the entailment class. */
export interface EntailmentIds {
  entailment: number;
  contradiction: number;
  /** False when no label starts with "entail" and the last class stands in (transformers warns then). */
  found: boolean;
}

/**
 * transformers' rule: the entailment class is the first label (in label2id order) whose name starts with
 * "entail", else -1, i.e. the last class. No contradiction label is looked up: it is class 0, or the last
 * class (Python's index -1) when entailment is 0. This makes 2-label {entailment, not_entailment} models work
 * too. An index outside the model's classes would read another row's logits (NaN scores), so it is a
 * {@link ConfigError} here.
 */
export function entailmentIds(config: DebertaConfig): EntailmentIds {
  const found = Object.entries(config.label2id).find(([label]) => label.toLowerCase().startsWith('entail'));
  const n = config.numLabels;
  if (found !== undefined) {
    const [label, id] = found;
    if (!Number.isInteger(id) || id < 0 || id >= n) {
      const labels = Object.entries(config.id2label).map(([i, l]) => `${i}: ${l}`).join(', ') || 'none';
      throw new ConfigError(
        `config.json: label2id gives ${JSON.stringify(label)} the index ${id}, outside the model's ${n} classes ` +
          `(0-${n - 1}; id2label: ${labels}); zero-shot classification reads the entailment score at that index`,
      );
    }
    return { entailment: id, contradiction: id === 0 ? n - 1 : 0, found: true };
  }
  return { entailment: n - 1, contradiction: 0, found: false };
}

/** transformers' warning for a model whose labels name no entailment class. */
export function entailmentWarning(config: DebertaConfig): string {
  const labels = Object.keys(config.label2id).join(', ') || 'none';
  return (
    `zero-shot-classification: failed to determine the 'entailment' label id from the label2id mapping in the model config ` +
    `(labels: ${labels}); using the last class, ${config.numLabels - 1}, as transformers does. Define a descriptive label2id ` +
    `mapping in the model config to ensure correct outputs.`
  );
}

/** Normalises candidate labels: a list, or a comma-separated string (each label trimmed), as transformers. */
export function candidateLabels(labels: unknown): string[] {
  if (typeof labels !== 'string' && !Array.isArray(labels)) {
    throw new InputError(`zero-shot-classification: candidateLabels must be a string or a list of strings, got ${describe(labels)}`);
  }
  const list = typeof labels === 'string' ? labels.split(',').map((l) => l.trim()).filter((l) => l.length > 0) : labels;
  list.forEach((l, i) => requireString(l, `zero-shot-classification: candidateLabels[${i}]`));
  if (list.length === 0) {
    throw new InputError('zero-shot-classification: candidateLabels is empty; you must include at least one label and at least one sequence');
  }
  return list as string[];
}

/**
 * Python's `template.format(label)`, which transformers uses to build hypotheses: `{}` or `{0}` is the label,
 * `{{`/`}}` are braces. Whatever Python would reject (a second `{}`, `{1}`, a named field, a lone brace) is an
 * {@link InputError} naming `hypothesisTemplate`; format specs such as `{:>10}` are not supported.
 *
 * @returns the template's literal pieces, with `null` where the label goes
 */
function parseTemplate(template: string): Array<string | null> {
  const bad = (why: string) =>
    new InputError(`zero-shot-classification: hypothesisTemplate ${JSON.stringify(template)} ${why}; put {} once where the label goes`);
  const parts: Array<string | null> = [''];
  const text = (t: string) => {
    if (typeof parts[parts.length - 1] === 'string') parts[parts.length - 1] += t;
    else parts.push(t);
  };
  let auto = 0;
  let manual = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '}') {
      if (template[i + 1] !== '}') throw bad("has a single '}' (write }} for a literal brace)");
      text('}');
      i++;
    } else if (c !== '{') {
      text(c);
    } else if (template[i + 1] === '{') {
      text('{');
      i++;
    } else {
      const close = template.indexOf('}', i);
      if (close < 0) throw bad("has a single '{' (write {{ for a literal brace)");
      const field = template.slice(i + 1, close);
      if (field === '') {
        if (manual) throw bad('mixes {} with {0}');
        if (++auto > 1) throw bad('has more than one {} field, but there is one label to insert (use {0} to repeat it)');
      } else if (field === '0') {
        if (auto > 0) throw bad('mixes {} with {0}');
        manual = true;
      } else {
        throw bad(`has the field {${field}}, which cannot be filled with the label`);
      }
      parts.push(null);
      i = close;
    }
  }
  return parts;
}

/** `template.format(label)` as Python computes it; see {@link parseTemplate} for what is rejected. */
export function formatTemplate(template: string, label: string): string {
  return parseTemplate(template).map((p) => p ?? label).join('');
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
  options?: ZeroShotOptions,
): Promise<ZeroShotResult[]> {
  const o = checkOptions(options, ZERO_SHOT_OPTION_KEYS, 'zero-shot-classification');
  const template = o.hypothesisTemplate ?? 'This example is {}.';
  if (typeof template !== 'string') {
    throw new InputError(`zero-shot-classification: hypothesisTemplate must be a string, got ${describe(template)}`);
  }
  const multiLabel = boolOption(o.multiLabel, 'multiLabel', 'zero-shot-classification') ?? false;
  const plan = { ...batchPlanOf(o, 'zero-shot-classification'), name: (i: number) => `the pair of sequence ${Math.floor(i / names.length)} and label ${i % names.length}` };
  const names = candidateLabels(labels);
  if (sequences.length === 0) {
    throw new InputError('zero-shot-classification: no sequence given; you must include at least one label and at least one sequence');
  }
  sequences.forEach((s, i) => requireString(s, `zero-shot-classification: sequence ${i}`));
  // transformers' check is that the first label changes the template; a template without a field, such as
  // "{{x}}" (which formats to "{x}"), passes it yet gives every label the same hypothesis, so it fails here too.
  const parts = parseTemplate(template);
  if (!parts.includes(null) || formatTemplate(template, names[0]) === template) {
    throw new InputError(
      `zero-shot-classification: the hypothesisTemplate ${JSON.stringify(template)} was not able to be formatted with the target labels; ` +
        'make sure it includes {} where the label should go',
    );
  }
  const { entailment, contradiction } = entailmentIds(model.config);
  const hypotheses = names.map((l) => parts.map((p) => p ?? l).join(''));
  // Sequence-major, label-minor, as transformers orders them.
  const pairs = sequences.flatMap((s) => hypotheses.map((h) => [s, h] as const));
  const n = model.config.numLabels;
  const logits = new Float32Array(pairs.length * n);
  const lengths = tokenLengths(tokenizer, model.config, pairs.map((p) => p[0]), pairs.map((p) => p[1]), 'only_first');
  for (const indices of planBatches(lengths, plan)) {
    const enc = encodeBatch(tokenizer, model.config, indices.map((i) => pairs[i][0]), indices.map((i) => pairs[i][1]), 'only_first');
    const out = await model.forward(enc, { padding: 'skip' });
    indices.forEach((i, b) => logits.set(out.logits.data.subarray(b * n, (b + 1) * n), i * n));
  }
  const multi = multiLabel || names.length === 1;
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
