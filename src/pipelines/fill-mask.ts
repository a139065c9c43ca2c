import { InputError } from '../errors.js';
import type { DebertaForMaskedLM } from '../model/heads/masked-lm.js';
import { chunks, encodeBatch, requireString, type BatchOptions } from './common.js';
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

/** For one text: a list of proposals (one mask) or one list per mask (several masks). */
export type FillMaskOutput = FillMaskResult[] | FillMaskResult[][];

/** transformers' `get_target_ids`: vocabulary pieces as they are, other strings by their first piece. */
function resolveTargets(tokenizer: DebertaTokenizer, targets: string | string[]): number[] {
  const list = typeof targets === 'string' ? [targets] : targets;
  if (!Array.isArray(list) || list.length === 0) throw new InputError('targets must be a non-empty string or list of strings');
  const ids: number[] = [];
  for (const target of list) {
    requireString(target, 'each target');
    const [direct] = tokenizer.convertTokensToIds([target]);
    const known = direct !== undefined && direct !== null && tokenizer.convertIdsToTokens([direct])[0] === target;
    let id: number;
    if (known) {
      id = direct;
    } else {
      const pieces = tokenizer.encode(target, undefined, { addSpecialTokens: false });
      if (pieces.length === 0) throw new InputError(`target ${JSON.stringify(target)} tokenizes to nothing`);
      id = pieces[0];
      console.warn(`The specified target token \`${target}\` does not exist in the model vocabulary. Replacing with \`${tokenizer.convertIdsToTokens([id])[0]}\`.`);
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/** Runs fill-mask on a list of texts; see {@link FillMaskOptions}. */
export async function fillMask(
  model: DebertaForMaskedLM,
  tokenizer: DebertaTokenizer,
  texts: string[],
  options: FillMaskOptions = {},
): Promise<FillMaskOutput[]> {
  const maskId = tokenizer.maskTokenId;
  const k = options.topK ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`topK must be a positive integer, got ${k}`);
  const targetIds = options.targets === undefined ? null : resolveTargets(tokenizer, options.targets);
  // The model has more rows than the tokenizer has ids (v3: 128,100 vs 128,001); transformers spells the
  // extra ones [UNK].
  const spelled = (id: number) => (id < tokenizer.fullVocabSize ? id : tokenizer.unkTokenId);
  const results: FillMaskOutput[] = [];
  for (const group of chunks(texts, options.batchSize ?? 8)) {
    group.forEach((t, i) => requireString(t, `input ${i}`));
    const enc = encodeBatch(tokenizer, model.config, group, null, options.truncation ?? true);
    const positions: Array<[number, number]> = [];
    const masksPerText = enc.inputIds.map((ids, b) => {
      const at = ids.flatMap((id, t) => (id === maskId && enc.attentionMask[b][t] === 1 ? [t] : []));
      if (at.length === 0) throw new InputError(`No mask_token (${tokenizer.maskToken}) found on the input: ${JSON.stringify(group[b])}`);
      for (const t of at) positions.push([b, t]);
      return at;
    });
    const { logits } = await model.forward(enc, { positions, decoder: options.decoder });
    const V = model.config.vocabSize;
    let row = 0;
    masksPerText.forEach((masks, b) => {
      const ids = enc.inputIds[b];
      const perMask = masks.map((t) => {
        const probs = softmax(logits.data.subarray(row * V, ++row * V)); // over every model row
        const chosen = targetIds
          ? topK(targetIds.map((id) => probs[id]), Math.min(k, targetIds.length)).map((i) => targetIds[i])
          : topK(probs, k);
        return chosen.map((token) => {
          // As transformers: put the token in, then drop padding by id (so a predicted [PAD] vanishes too).
          const filled = ids.slice();
          filled[t] = spelled(token);
          const kept = filled.filter((id) => id !== tokenizer.padTokenId);
          return {
            score: probs[token],
            token,
            tokenStr: tokenizer.decode([spelled(token)]),
            sequence: tokenizer.decode(kept, { skipSpecialTokens: masks.length === 1 }),
          };
        });
      });
      results.push(perMask.length === 1 ? perMask[0] : perMask);
    });
  }
  return results;
}
