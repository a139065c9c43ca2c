import { InputError } from '../errors.js';
import type { DebertaModel } from '../model/deberta-model.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions, mergeKeys, type OptionKeys } from '../options.js';
import { BATCH_OPTION_KEYS, batchPlanOf, boolOption, choiceOption, encodeBatch, requireString, type BatchOptions } from './common.js';
import { planBatches } from './batching.js';
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
  const plan = batchPlanOf(o, WHERE);
  if (texts.length === 0) throw new InputError(`${WHERE} needs at least one text`);
  texts.forEach((t, i) => requireString(t, `${WHERE}: input ${i}`));
  const H = model.config.hiddenSize;
  const enc = encodeBatch(tokenizer, model.config, texts, null, truncation);
  const seq = Math.max(...enc.inputIds.map((r) => r.length));
  let features: Tensor;
  if (pooling === 'none') {
    // The output is padded to the longest text and keeps the model's values at padded positions (as
    // transformers), so every row is laid out at that length; `padding: 'skip'` computes the real tokens only
    // and gives padded positions those same values.
    const hidden = new Float32Array(texts.length * seq * H);
    for (const group of planBatches(texts.map(() => seq), plan)) {
      const out = await model.forward({
        inputIds: group.map((i) => enc.inputIds[i]),
        attentionMask: group.map((i) => enc.attentionMask[i]),
      }, { padding: 'skip' });
      group.forEach((i, b) => hidden.set(out.lastHiddenState.data.subarray(b * seq * H, (b + 1) * seq * H), i * seq * H));
    }
    features = new Tensor(hidden, [texts.length, seq, H]);
  } else {
    // Pooling reads real tokens only, so each group is padded to its own longest text, shortest texts together.
    const pooled = new Float32Array(texts.length * H);
    const lengths = enc.attentionMask.map((m) => m.reduce((n, x) => n + x, 0));
    for (const group of planBatches(lengths, plan)) {
      const genc = encodeBatch(tokenizer, model.config, group.map((i) => texts[i]), null, truncation);
      const out = await model.forward(genc, { padding: 'skip' });
      const L = genc.inputIds[0].length;
      const hidden = out.lastHiddenState.data;
      group.forEach((i, b) => {
        const mask = genc.attentionMask[b];
        if (pooling === 'cls') {
          const first = Math.max(0, mask.indexOf(1)); // [CLS], also under left padding
          pooled.set(hidden.subarray((b * L + first) * H, (b * L + first + 1) * H), i * H);
          return;
        }
        let count = 0;
        for (let t = 0; t < L; t++) {
          if (mask[t] !== 1) continue;
          count++;
          for (let j = 0; j < H; j++) pooled[i * H + j] += hidden[(b * L + t) * H + j];
        }
        for (let j = 0; j < H; j++) pooled[i * H + j] /= count;
      });
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
