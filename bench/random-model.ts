import { Tensor, type TensorMap } from '../src/tensor/tensor.js';

/** DeBERTa-v3-base's config.json (microsoft/deberta-v3-base), used for random-weight benchmarks. */
export const V3_BASE_CONFIG = {
  model_type: 'deberta-v2',
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  vocab_size: 128100,
  max_position_embeddings: 512,
  relative_attention: true,
  position_buckets: 256,
  max_relative_positions: -1,
  norm_rel_ebd: 'layer_norm',
  share_att_key: true,
  pos_att_type: 'p2c|c2p',
  position_biased_input: false,
  type_vocab_size: 0,
  hidden_act: 'gelu',
  layer_norm_eps: 1e-7,
  pad_token_id: 0,
};

/** Fast seeded uniform noise in [-scale, scale). */
function fill(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

/** Random weights with the HF keys of a DeBERTa v2/v3 base model (no head), from a raw config. */
export function randomV2Weights(config: typeof V3_BASE_CONFIG, seed = 1): TensorMap {
  const H = config.hidden_size;
  const I = config.intermediate_size;
  const t: TensorMap = new Map();
  let n = seed;
  const add = (key: string, shape: number[], scale: number, offset = 0) => {
    const data = fill(shape.reduce((a, b) => a * b, 1), n++ * 7919, scale);
    if (offset) for (let i = 0; i < data.length; i++) data[i] += offset;
    t.set(key, new Tensor(data, shape));
  };
  const ln = (p: string) => { add(`${p}.weight`, [H], 0.2, 1); add(`${p}.bias`, [H], 0.1); };
  const lin = (p: string, o: number, i: number) => { add(`${p}.weight`, [o, i], 1.5 / Math.sqrt(i)); add(`${p}.bias`, [o], 0.1); };
  add('embeddings.word_embeddings.weight', [config.vocab_size, H], 0.5);
  ln('embeddings.LayerNorm');
  add('encoder.rel_embeddings.weight', [2 * config.position_buckets, H], 0.5);
  ln('encoder.LayerNorm');
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const q of ['query_proj', 'key_proj', 'value_proj']) lin(`${p}.attention.self.${q}`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, I, H);
    lin(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
  }
  return t;
}
