import { InputError } from '../errors.js';
import type { DebertaModel } from '../model/deberta-model.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchSizeOf, boolOption, choiceOption, chunks, encodeBatch, requireString, type BatchOptions } from './common.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** Options of a feature-extraction call. */
export interface FeatureExtractionOptions extends BatchOptions {
  /** `'none'` (default): every token's vector; `'mean'`: average over real tokens; `'cls'`: the first token's. */
  pooling?: 'none' | 'mean' | 'cls';
  /** L2-normalise each output vector. */
  normalize?: boolean;
  /** Truncate inputs to the model's limit (default true). */
  truncation?: boolean;
}

/** Every {@link FeatureExtractionOptions} key. */
export const FEATURE_EXTRACTION_OPTION_KEYS: OptionKeys<FeatureExtractionOptions> = mergeKeys<
  Omit<FeatureExtractionOptions, keyof BatchOptions>,
  BatchOptions
>({ pooling: true, normalize: true, truncation: true }, BATCH_OPTION_KEYS);

const WHERE = 'feature-extraction';

/**
 * Hidden states of the backbone: [batch, seq, hidden] padded to the longest text (padded positions keep the
 * model's values, as in transformers), or [batch, hidden] when pooled.
 */
export async function extractFeatures(
  model: DebertaModel,
  tokenizer: DebertaTokenizer,
  texts: string[],
  options?: FeatureExtractionOptions,
): Promise<{ features: Tensor; attentionMask: number[][] }> {
  const o = checkOptions(options, FEATURE_EXTRACTION_OPTION_KEYS, WHERE);
  const pooling = choiceOption(o.pooling, 'pooling', ['none', 'mean', 'cls'] as const, WHERE) ?? 'none';
  const normalize = boolOption(o.normalize, 'normalize', WHERE) ?? false;
  const truncation = boolOption(o.truncation, 'truncation', WHERE) ?? true;
  const batchSize = batchSizeOf(o, WHERE);
  if (texts.length === 0) throw new InputError(`${WHERE} needs at least one text`);
  texts.forEach((t, i) => requireString(t, `${WHERE}: input ${i}`));
  const H = model.config.hiddenSize;
  const enc = encodeBatch(tokenizer, model.config, texts, null, truncation);
  const seq = Math.max(...enc.inputIds.map((r) => r.length));
  const hidden = new Float32Array(texts.length * seq * H);
  let b0 = 0;
  // Forward in groups, each padded to the overall length so rows line up in one tensor.
  for (const group of chunks(enc.inputIds.map((_, i) => i), batchSize)) {
    const out = await model.forward({
      inputIds: group.map((i) => enc.inputIds[i]),
      attentionMask: group.map((i) => enc.attentionMask[i]),
    });
    hidden.set(out.lastHiddenState.data, b0 * seq * H);
    b0 += group.length;
  }
  let features: Tensor;
  if (pooling === 'none') {
    features = new Tensor(hidden, [texts.length, seq, H]);
  } else {
    const pooled = new Float32Array(texts.length * H);
    for (let b = 0; b < texts.length; b++) {
      if (pooling === 'cls') {
        const first = Math.max(0, enc.attentionMask[b].indexOf(1)); // [CLS], also under left padding
        pooled.set(hidden.subarray((b * seq + first) * H, (b * seq + first + 1) * H), b * H);
        continue;
      }
      let count = 0;
      for (let t = 0; t < seq; t++) {
        if (enc.attentionMask[b][t] !== 1) continue;
        count++;
        for (let j = 0; j < H; j++) pooled[b * H + j] += hidden[(b * seq + t) * H + j];
      }
      for (let j = 0; j < H; j++) pooled[b * H + j] /= count;
    }
    features = new Tensor(pooled, [texts.length, H]);
  }
  if (normalize) {
    const d = features.data;
    for (let o = 0; o < d.length; o += H) {
      let norm = 0;
      for (let j = 0; j < H; j++) norm += d[o + j] * d[o + j];
      const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let j = 0; j < H; j++) d[o + j] *= inv;
    }
  }
  return { features, attentionMask: enc.attentionMask };
}
