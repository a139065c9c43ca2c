import { InputError } from '../errors.js';
import type { DebertaConfig } from '../model/config.js';
import type { DebertaForTokenClassification } from '../model/heads/classification.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, choiceOption, encodeBatch, labelOf, requireString, tokenLengths, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
import { softmax } from './scores.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** How token predictions become entities, as transformers defines the strategies. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

/** Options of a token-classification call. */
export interface TokenClassificationOptions extends BatchOptions {
  /** Default `'none'`. */
  aggregationStrategy?: AggregationStrategy;
  /** Labels to drop from the output; default `['O']`. */
  ignoreLabels?: string[];
}

/** Every {@link TokenClassificationOptions} key. */
export const TOKEN_CLASSIFICATION_OPTION_KEYS: OptionKeys<TokenClassificationOptions> = mergeKeys<
  Omit<TokenClassificationOptions, keyof BatchOptions>,
  BatchOptions
>({ aggregationStrategy: true, ignoreLabels: true }, BATCH_OPTION_KEYS);

const WHERE = 'token-classification';

/** One entity. Token-level results (`'none'`) carry `entity` and `index`; grouped ones `entityGroup`. */
export interface TokenEntity {
  entity?: string;
  entityGroup?: string;
  score: number;
  /** Token position in the model input (with [CLS] at 0); token-level results only. */
  index?: number;
  /** The token string (`'none'`) or the decoded text of the group. */
  word: string;
  /** [start, end) UTF-16 offsets into the input text. */
  start: number;
  end: number;
}

interface PreEntity {
  word: string;
  scores: Float64Array;
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

interface Scored {
  entity: string;
  score: number;
  index?: number;
  /** The token string ('none', 'simple') or the word's text ('first', 'average', 'max'). */
  word: string;
  start: number;
  end: number;
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** The group name of a label: what follows its first '-' (Python's `label.split('-', 1)[-1]`). */
function groupName(label: string): string {
  const dash = label.indexOf('-');
  return dash < 0 ? label : label.slice(dash + 1);
}

/**
 * transformers' `convert_tokens_to_string`. For SentencePiece vocabularies it joins the strings and turns `▁`
 * into spaces, so already-decoded words are joined without one ("Angela" + "Merkel" -> "AngelaMerkel"), a
 * transformers quirk of the first/average/max strategies that we keep. BPE tokens decode byte-level.
 */
function tokensToString(tokenizer: DebertaTokenizer, tokens: string[]): string {
  if (tokenizer.vocabType === 'spm') return tokens.join('').replace(/▁/g, ' ').trim();
  const ids = tokenizer.convertTokensToIds(tokens);
  const known = ids.every((id, i) => tokenizer.convertIdsToTokens([id])[0] === tokens[i]);
  return known ? tokenizer.decode(ids, { cleanUpTokenizationSpaces: false }) : tokens.join('');
}

/** B-/I- prefix and tag; a label without one continues the previous entity (transformers' `get_tag`). */
function tagOf(name: string): [string, string] {
  if (name.startsWith('B-')) return ['B', name.slice(2)];
  if (name.startsWith('I-')) return ['I', name.slice(2)];
  return ['I', name];
}

/** Token classification (NER and the like) with transformers' aggregation strategies. */
export async function classifyTokens(
  model: DebertaForTokenClassification,
  tokenizer: DebertaTokenizer,
  texts: string[],
  options?: TokenClassificationOptions,
): Promise<TokenEntity[][]> {
  const o = checkOptions(options, TOKEN_CLASSIFICATION_OPTION_KEYS, WHERE);
  const strategy = choiceOption(o.aggregationStrategy, 'aggregationStrategy', ['none', 'simple', 'first', 'average', 'max'] as const, WHERE) ?? 'none';
  // A string would pass `includes` by substring ('O' ignoring 'B-ORG' when given 'B-ORG O'), so only lists.
  if (o.ignoreLabels !== undefined && (!Array.isArray(o.ignoreLabels) || o.ignoreLabels.some((l) => typeof l !== 'string'))) {
    throw new InputError(`${WHERE}: ignoreLabels must be a list of label strings, got ${describe(o.ignoreLabels)}`);
  }
  const ignore = o.ignoreLabels ?? ['O'];
  const plan = batchPlanOf(o, WHERE);
  const join = (tokens: string[]) => tokensToString(tokenizer, tokens);
  texts.forEach((t, i) => requireString(t, `${WHERE}: input ${i}`));
  const out = new Array<TokenEntity[]>(texts.length);
  for (const indices of planBatches(tokenLengths(tokenizer, model.config, texts, null, true), plan)) {
    const group = indices.map((i) => texts[i]);
    const enc = encodeBatch(tokenizer, model.config, group, null, true, { returnOffsets: true, returnSpecialTokensMask: true });
    const { logits } = await model.forward(enc, { padding: 'skip' });
    const n = model.config.numLabels;
    const L = enc.inputIds[0].length;
    group.forEach((sentence, b) => {
      const pre: PreEntity[] = [];
      const tokens = tokenizer.convertIdsToTokens(enc.inputIds[b]);
      enc.inputIds[b].forEach((id, t) => {
        if (enc.specialTokensMask![b][t] === 1 || enc.attentionMask[b][t] !== 1) return; // [CLS], [SEP], padding
        const [start, end] = enc.offsets![b][t];
        // DeBERTa's vocabularies mark word starts, not continuations, so use transformers' fallback heuristic:
        // a token continues a word when no space touches its start.
        let isSubword = start > 0 && !sentence.slice(start - 1, start + 1).includes(' ');
        let word = tokens[t];
        if (id === tokenizer.unkTokenId) {
          word = sentence.slice(start, end);
          isSubword = false;
        }
        pre.push({ word, scores: softmax(logits.data.subarray((b * L + t) * n, (b * L + t + 1) * n)), start, end, index: t, isSubword });
      });
      let entities: Scored[];
      if (strategy === 'none' || strategy === 'simple') {
        entities = pre.map((p) => {
          const i = argmax(p.scores);
          return { entity: labelOf(model.config, i), score: p.scores[i], index: p.index, word: p.word, start: p.start, end: p.end };
        });
      } else {
        entities = [];
        let word: PreEntity[] = [];
        const flush = () => { if (word.length) entities.push(aggregateWord(word, strategy, model.config, join)); };
        for (const p of pre) {
          if (word.length && !p.isSubword) { flush(); word = []; }
          word.push(p);
        }
        flush();
      }
      let result: TokenEntity[];
      if (strategy === 'none') {
        result = entities.map((e) => ({ entity: e.entity, score: e.score, index: e.index, word: e.word, start: e.start, end: e.end }));
        result = result.filter((e) => !ignore.includes(e.entity!));
      } else {
        result = groupEntities(entities, join).filter((e) => !ignore.includes(e.entityGroup!));
      }
      out[indices[b]] = result;
    });
  }
  return out;
}

function aggregateWord(word: PreEntity[], strategy: 'first' | 'average' | 'max', config: DebertaConfig, join: (tokens: string[]) => string): Scored {
  let scores: Float64Array;
  if (strategy === 'first') scores = word[0].scores;
  else if (strategy === 'max') scores = word.reduce((best, p) => (Math.max(...p.scores) > Math.max(...best.scores) ? p : best)).scores;
  else {
    scores = new Float64Array(word[0].scores.length);
    for (const p of word) for (let i = 0; i < scores.length; i++) scores[i] += p.scores[i] / word.length;
  }
  const i = argmax(scores);
  return { entity: labelOf(config, i), score: scores[i], word: join(word.map((p) => p.word)), start: word[0].start, end: word[word.length - 1].end };
}

/** Merges consecutive entities of one tag (a `B-` starts a new one), averaging their scores. */
function groupEntities(entities: Scored[], join: (tokens: string[]) => string): TokenEntity[] {
  const groups: TokenEntity[] = [];
  let current: Scored[] = [];
  const flush = () => {
    if (current.length === 0) return;
    groups.push({
      entityGroup: groupName(current[0].entity),
      score: current.reduce((a, e) => a + e.score, 0) / current.length,
      word: join(current.map((e) => e.word)),
      start: current[0].start,
      end: current[current.length - 1].end,
    });
  };
  for (const e of entities) {
    if (current.length) {
      const [bi, tag] = tagOf(e.entity);
      const [, lastTag] = tagOf(current[current.length - 1].entity);
      if (!(tag === lastTag && bi !== 'B')) { flush(); current = []; }
    }
    current.push(e);
  }
  flush();
  return groups;
}
