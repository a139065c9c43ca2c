/**
 * GLiNER's processor for one text: words, the prompt `[<<ENT>>, label_1, ..., <<ENT>>, label_C, <<SEP>>]`
 * followed by the words, every prompt word tokenized on its own (as `is_split_into_words` does), the
 * `words_mask` that marks each text word's first piece, and the span candidates.
 */
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';
import type { Word } from './words.js';

/** The model's view of one text (batch dimension 1, as GLiNER's processor builds it). */
export interface GlinerInput {
  /** The words the model sees (at most `maxLen`). */
  readonly words: readonly Word[];
  /** Words the text had before truncation to `maxLen`. */
  readonly numWords: number;
  /** Labels in prompt order (de-duplicated, first occurrence kept). */
  readonly labels: readonly string[];
  /** [CLS] + pieces of every prompt word and text word + [SEP]. */
  readonly inputIds: number[];
  /** Per token: i + 1 when it is the first piece of text word i, else 0. */
  readonly wordsMask: Int32Array;
}

/** The pieces GLiNER's tokenizer gives one word: `" " + word`, at least one piece ("▁"), as the fast tokenizer. */
function wordPieces(tokenizer: DebertaTokenizer, word: string, space: number): number[] {
  const ids = tokenizer.encode(word, undefined, { addSpecialTokens: false });
  return ids.length === 0 ? [space] : ids;
}

/** Labels de-duplicated keeping the first occurrence (Python's `dict.fromkeys`). */
export function dedupeLabels(labels: readonly string[]): string[] {
  return [...new Set(labels)];
}

/**
 * Builds the inputs of one text: `words` are the text's words already cut to the model's `maxLen`.
 *
 * @param entToken, sepToken the prompt's marker tokens (`<<ENT>>`, `<<SEP>>`)
 */
export function buildInput(
  tokenizer: DebertaTokenizer,
  words: readonly Word[],
  numWords: number,
  labels: readonly string[],
  entToken: string,
  sepToken: string,
): GlinerInput {
  const [space] = tokenizer.convertTokensToIds(['▁']);
  const prompt: string[] = [];
  for (const label of labels) prompt.push(entToken, label);
  prompt.push(sepToken);
  const ids: number[] = [tokenizer.clsTokenId];
  const mask: number[] = [0];
  for (const w of prompt) {
    for (const id of wordPieces(tokenizer, w, space)) {
      ids.push(id);
      mask.push(0);
    }
  }
  words.forEach((w, i) => {
    wordPieces(tokenizer, w.text, space).forEach((id, j) => {
      ids.push(id);
      mask.push(j === 0 ? i + 1 : 0);
    });
  });
  ids.push(tokenizer.sepTokenId);
  mask.push(0);
  return { words, numWords, labels, inputIds: ids, wordsMask: Int32Array.from(mask) };
}

/**
 * GLiNER's span candidates of W words: for start s and width k < maxWidth, (s, s + k), start-major
 * [W · maxWidth, 2]; spans past the last word are invalid and become (0, 0) (`span_idx * span_mask`).
 */
export function spanCandidates(numWords: number, maxWidth: number): { spanIdx: Int32Array; spanMask: Uint8Array } {
  const spanIdx = new Int32Array(numWords * maxWidth * 2);
  const spanMask = new Uint8Array(numWords * maxWidth);
  for (let s = 0; s < numWords; s++) {
    for (let k = 0; k < maxWidth; k++) {
      const i = s * maxWidth + k;
      if (s + k <= numWords - 1) {
        spanMask[i] = 1;
        spanIdx[2 * i] = s;
        spanIdx[2 * i + 1] = s + k;
      }
    }
  }
  return { spanIdx, spanMask };
}
