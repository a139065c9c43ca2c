import { InputError } from '../errors.js';
import type { DebertaForMaskedLM } from '../model/heads/masked-lm.js';
import { checkOptions, describe, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, boolOption, choiceOption, encodeBatch, intOption, requireString, sequenceLimit, tokenLengths, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
import { softmax, topK } from './scores.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** One proposal for a masked position. */
export interface FillMaskResult {
  /** Probability of the token at this position (softmax over the whole vocabulary). */
  score: number;
  /** Token id. */
  token: number;
  /** The token decoded on its own. */
  tokenStr: string;
  /** The input with this token in place of the mask. */
  sequence: string;
}

/** Options of a fill-mask call. */
export interface FillMaskOptions extends BatchOptions {
  /** Proposals per mask; default 5. */
  topK?: number;
  /** Restrict proposals to these tokens (vocabulary pieces such as `▁market`, or words, whose first piece is used). */
  targets?: string | string[];
  /** `'emd'` runs microsoft's Enhanced Mask Decoder where the checkpoint allows. */
  decoder?: 'standard' | 'emd';
  /** Truncate inputs to the model's limit (default true). */
  truncation?: boolean;
}

/** Every {@link FillMaskOptions} key. */
export const FILL_MASK_OPTION_KEYS: OptionKeys<FillMaskOptions> = mergeKeys<Omit<FillMaskOptions, keyof BatchOptions>, BatchOptions>(
  { topK: true, targets: true, decoder: true, truncation: true },
  BATCH_OPTION_KEYS,
);

/** For one text: a list of proposals (one mask) or one list per mask (several masks). */
export type FillMaskOutput = FillMaskResult[] | FillMaskResult[][];

/** transformers' `get_target_ids`: vocabulary pieces as they are, other strings by their first piece. */
function resolveTargets(tokenizer: DebertaTokenizer, targets: string | string[]): number[] {
  const list = typeof targets === 'string' ? [targets] : targets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(`fill-mask: targets must be a non-empty string or list of strings, got ${describe(targets)}`);
  }
  const ids: number[] = [];
  for (const [i, target] of list.entries()) {
    requireString(target, `fill-mask: targets[${i}]`);
    const [direct] = tokenizer.convertTokensToIds([target]);
    const known = direct !== undefined && direct !== null && tokenizer.convertIdsToTokens([direct])[0] === target;
    let id: number;
    if (known) {
      id = direct;
    } else {
      const pieces = tokenizer.encode(target, undefined, { addSpecialTokens: false });
      if (pieces.length === 0) throw new InputError(`fill-mask: target ${JSON.stringify(target)} tokenizes to nothing`);
      id = pieces[0];
      console.warn(`The specified target token \`${target}\` does not exist in the model vocabulary. Replacing with \`${tokenizer.convertIdsToTokens([id])[0]}\`.`);
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Masks that truncation cut off. Counting them needs the text tokenized whole, so this only runs for a row
 * that fills the whole window (only such a row can have been truncated).
 */
function checkTruncatedMasks(tokenizer: DebertaTokenizer, text: string, index: number, kept: number, limit: number): void {
  // An explicit maxLength without truncation: the whole text, and no "longer than the model" warning.
  const whole = tokenizer.encode(text, undefined, { truncation: false, maxLength: Number.MAX_SAFE_INTEGER });
  const total = whole.reduce((n, id) => n + (id === tokenizer.maskTokenId ? 1 : 0), 0);
  if (total <= kept) return;
  const mask = tokenizer.maskToken;
  const content = limit - tokenizer.encode('').length; // the window without [CLS] and [SEP]
  const side = tokenizer.truncationSide === 'left' ? 'last' : 'first';
  if (kept === 0) {
    throw new InputError(
      `fill-mask: input ${index} has ${total === 1 ? `1 ${mask} token` : `${total} ${mask} tokens`}, but truncation to ${limit} tokens ` +
        `removed ${total === 1 ? 'it' : 'all of them'}; shorten the text so that a mask is within its ${side} ${content} tokens ` +
        `(the model reads ${limit}, [CLS] and [SEP] included)`,
    );
  }
  const removed = total - kept;
  // Truncation keeps one end of the text, so the removed masks are the ones at the other end.
  const range = side === 'first' ? [kept + 1, total] : [1, removed];
  const which = removed === 1 ? `mask ${range[0]}` : `masks ${range[0]}-${range[1]}`;
  console.warn(
    `fill-mask: truncation to ${limit} tokens removed ${removed} of the ${total} ${mask} tokens of input ${index} (${which}, ` +
      `counting from the start); the results are for the ${kept} left. Shorten the text to get all of them.`,
  );
}

/** Runs fill-mask on a list of texts; see {@link FillMaskOptions}. */
export async function fillMask(
  model: DebertaForMaskedLM,
  tokenizer: DebertaTokenizer,
  texts: string[],
  options?: FillMaskOptions,
): Promise<FillMaskOutput[]> {
  const o = checkOptions(options, FILL_MASK_OPTION_KEYS, 'fill-mask');
  const V = model.config.vocabSize;
  const k = intOption(o.topK, 'topK', 'fill-mask') ?? 5;
  const decoder = choiceOption(o.decoder, 'decoder', ['standard', 'emd'] as const, 'fill-mask');
  const truncation = boolOption(o.truncation, 'truncation', 'fill-mask') ?? true;
  const plan = batchPlanOf(o, 'fill-mask');
  const targetIds = o.targets === undefined ? null : resolveTargets(tokenizer, o.targets);
  // transformers caps topK at the number of targets, but with the whole vocabulary torch.topk fails.
  if (targetIds === null && k > V) throw new InputError(`fill-mask: topK ${k} is larger than the vocabulary (${V} tokens)`);
  const maskId = tokenizer.maskTokenId;
  const limit = sequenceLimit(model.config, tokenizer);
  // The model has more rows than the tokenizer has ids (v3: 128,100 vs 128,001); transformers spells the
  // extra ones [UNK].
  const spelled = (id: number) => (id < tokenizer.fullVocabSize ? id : tokenizer.unkTokenId);
  texts.forEach((t, i) => requireString(t, `fill-mask: input ${i}`));
  const results: FillMaskOutput[] = new Array<FillMaskOutput>(texts.length);
  const lengths = tokenLengths(tokenizer, model.config, texts, null, truncation);
  for (const indices of planBatches(lengths, plan)) {
    const group = indices.map((i) => texts[i]);
    const enc = encodeBatch(tokenizer, model.config, group, null, truncation);
    const positions: Array<[number, number]> = [];
    const masksPerText = enc.inputIds.map((ids, b) => {
      const at = ids.flatMap((id, t) => (id === maskId && enc.attentionMask[b][t] === 1 ? [t] : []));
      const length = enc.attentionMask[b].reduce((n, m) => n + m, 0);
      if (truncation && length >= limit) checkTruncatedMasks(tokenizer, group[b], indices[b], at.length, limit);
      if (at.length === 0) throw new InputError(`No mask_token (${tokenizer.maskToken}) found on the input: ${JSON.stringify(group[b])}`);
      for (const t of at) positions.push([b, t]);
      return at;
    });
    const { logits } = await model.forward(enc, { positions, decoder, padding: 'skip' });
    let row = 0;
    masksPerText.forEach((masks, b) => {
      const ids = enc.inputIds[b];
      // As transformers: padding dropped by id (so a predicted [PAD] vanishes too); with several masks the
      // special tokens, the other masks included, stay in each sequence.
      const skipSpecialTokens = masks.length === 1;
      const perMask = masks.map((t) => {
        const probs = softmax(logits.data.subarray(row * V, ++row * V)); // over every model row
        const chosen = targetIds
          ? topK(targetIds.map((id) => probs[id]), Math.min(k, targetIds.length)).map((i) => targetIds[i])
          : topK(probs, k);
        return chosen.map((token) => {
          const filled = ids.slice();
          filled[t] = spelled(token);
          return {
            score: probs[token],
            token,
            tokenStr: tokenizer.decode([spelled(token)]),
            sequence: tokenizer.decode(filled.filter((id) => id !== tokenizer.padTokenId), { skipSpecialTokens }),
          };
        });
      });
      results[indices[b]] = perMask.length === 1 ? perMask[0] : perMask;
    });
  }
  return results;
}
