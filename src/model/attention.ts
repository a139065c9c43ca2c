import type { Backend, RelativeTerms } from '../tensor/backend.js';
import type { Int8Rows } from '../tensor/quant.js';
import { attentionMaps, type AttentionMapRequest } from './attention-maps.js';
import type { DebertaConfig } from './config.js';
import { Arena } from './arena.js';
import { Linear } from './linear.js';
import type { PackedLayout } from './packing.js';
import type { Weights } from './weights.js';

/** The per-call shapes and mask shared by every layer. */
export interface AttentionInput {
  batch: number;
  length: number;
  /** [batch, length], 1 for tokens and 0 for padding. */
  mask: Uint8Array;
}

/**
 * The projections of one attention: content query / key / value, and the position key / query that the
 * relative-embedding table goes through (null when the term is off).
 */
export interface AttentionProjections {
  query: Linear;
  key: Linear;
  value: Linear;
  /** Makes posK for c2p; null without c2p. */
  posKey: Linear | null;
  /** Makes posQ for p2c; null without p2c. */
  posQuery: Linear | null;
}

/**
 * Disentangled self-attention (`attention.self`; HF's `DisentangledSelfAttention` in both DeBERTa files). Per
 * sequence and head, with d the head size and R the relative-embedding table (`encoder.rel_embeddings`, after
 * `encoder.LayerNorm` when `norm_rel_ebd`):
 *
 *   Q = query · W_qᵀ + b_q      K = hidden · W_kᵀ + b_k      V = hidden · W_vᵀ + b_v
 *   posK = R · W_pos_kᵀ          posQ = R · W_pos_qᵀ           (computed once per model: see RelativeProjections)
 *   c2c[i, j] = Q_i · K_j
 *   c2p[i, j] = Q_i · posK[c2p(i, j)]       when `pos_att_type` has c2p
 *   p2c[i, j] = K_j · posQ[p2c(j, i)]       when `pos_att_type` has p2c
 *   scale     = 1 / sqrt(d · (1 + len(pos_att_type)))
 *   context   = XSoftmax(mask, (c2c + c2p + p2c) · scale) · V
 *
 * where c2p(i, j) and p2c(j, i) are the clamped relative positions of model/relative-position.ts. The backend
 * runs all of it as one kernel; `tensor/js/attention.ts` is its executable spec. v1 and v2/v3 differ only in
 * how their checkpoints store the five projections: see {@link fromV2Weights} and {@link fromV1Weights}.
 */
export class DisentangledSelfAttention {
  readonly heads: number;
  readonly headSize: number;
  /** 1 / sqrt(d · scale_factor), HF's scale_factor counting c2c and each relative term. */
  readonly scale: number;

  constructor(
    private readonly backend: Backend,
    config: DebertaConfig,
    readonly projections: AttentionProjections,
    private readonly arena = new Arena(),
  ) {
    this.heads = config.numAttentionHeads;
    this.headSize = config.attentionHeadSize;
    this.scale = 1 / Math.sqrt(this.headSize * (1 + config.posAttType.length));
  }

  /** The attention of the config's model type: v1 (`deberta`) or v2/v3 (`deberta-v2`) weights. */
  static fromWeights(backend: Backend, config: DebertaConfig, w: Weights, arena?: Arena): DisentangledSelfAttention {
    const load = config.modelType === 'deberta' ? fromV1Weights : fromV2Weights;
    return new DisentangledSelfAttention(backend, config, load(backend, config, w), arena);
  }

  /**
   * hidden: keys and values [batch, length, hidden]; query: the query states, `hidden` itself except in the
   * Enhanced Mask Decoder; relative: this layer's c2p/p2c terms for this length, or null without relative
   * attention; maps: when given, this layer's attention maps are appended to `maps.out` (model/attention-maps.ts).
   * Returns the context [batch, length, heads·d].
   */
  forward(
    hidden: Float32Array,
    query: Float32Array,
    { batch, length, mask }: AttentionInput,
    relative: RelativeTerms | null,
    maps?: AttentionMapRequest,
  ): Float32Array {
    const rows = batch * length;
    const { heads, headSize, scale } = this;
    const size = rows * heads * headSize;
    const q = this.projections.query.forward(query, rows, this.arena.take('attention.q', size)); // Q [batch, length, heads·d]
    const k = this.projections.key.forward(hidden, rows, this.arena.take('attention.k', size)); // K [batch, length, heads·d]
    const v = this.projections.value.forward(hidden, rows, this.arena.take('attention.v', size)); // V [batch, length, heads·d]
    if (maps !== undefined) {
      // A separate, unfused pass: the context below stays the fused kernel's, so maps never change outputs.
      const { probabilities, terms } = maps;
      maps.out.push(attentionMaps(this.backend, { q, k, batch, length, heads, headSize, scale, mask, relative, probabilities, terms }));
    }
    // One kernel per call, not one op per term: c2c = Q Kᵀ, c2p and p2c from `relative` (posK / posQ per head
    // [d, rows], gather indices [length, length]), then XSoftmax(mask, (c2c + c2p + p2c) · scale) · V.
    const out = this.arena.take('attention.context', size);
    return this.backend.attention({ q, k, v, batch, length, heads, headSize, scale, mask, relative, out }); // context [batch, length, heads·d]
  }

  /**
   * The packed path (model/packing.ts): hidden holds the keys and values of the layout's rows, query the query
   * states of `queryRows` rows whose first `layout.tokens` are the layout's (the Enhanced Mask Decoder adds
   * rows of its own after them). Q, K and V are projected for the spans' rows only, and each sequence attends
   * at its own length: one kernel call per sequence on its block of rows (per run of consecutive sequences of
   * one length, whose blocks form a [group, length] batch), with `relative(length)` that layer's terms for it. Every other row is a padded query, whose context is 0 (it attends to nothing).
   * Returns the context [queryRows, heads·d].
   */
  forwardPacked(
    hidden: Float32Array,
    query: Float32Array,
    queryRows: number,
    layout: PackedLayout,
    relative: ((length: number) => RelativeTerms) | null,
  ): Float32Array {
    const { heads, headSize, scale } = this;
    const A = heads * headSize;
    const T = layout.tokens;
    const context = this.arena.take('attention.context', queryRows * A);
    context.fill(0, T * A); // rows past the spans are padded queries: they attend to nothing
    if (T === 0) return context;
    const q = this.projections.query.forward(query, T, this.arena.take('attention.q', T * A)); // Q [tokens, heads·d]
    const k = this.projections.key.forward(hidden, T, this.arena.take('attention.k', T * A)); // K [tokens, heads·d]
    const v = this.projections.value.forward(hidden, T, this.arena.take('attention.v', T * A)); // V [tokens, heads·d]
    for (let b = 0; b < layout.batch; ) {
      const n = layout.count[b];
      // Consecutive sequences of one length are consecutive blocks of n rows: one call [group, n] runs them all.
      let group = 1;
      while (b + group < layout.batch && layout.count[b + group] === n) group++;
      if (n > 0) {
        const first = layout.start[b];
        const [from, to] = [first * A, (first + group * n) * A];
        this.backend.attention({
          q: q.subarray(from, to), k: k.subarray(from, to), v: v.subarray(from, to), batch: group, length: n, heads, headSize, scale,
          mask: layout.mask.subarray(first, first + group * n), relative: relative && relative(n), out: context.subarray(from, to),
        });
      }
      b += group;
    }
    return context;
  }

  /** Frees packed weights (a shared key / query projection once). */
  dispose(): void {
    const { query, key, value, posKey, posQuery } = this.projections;
    for (const l of new Set([query, key, value, posKey, posQuery])) l?.dispose();
  }
}

/** Whether the config turns on each relative term. */
function relativeTerms(config: DebertaConfig): { c2p: boolean; p2c: boolean } {
  const on = (t: 'c2p' | 'p2c') => config.relativeAttention && config.posAttType.includes(t);
  return { c2p: on('c2p'), p2c: on('p2c') };
}

/**
 * v2/v3 keys (`DebertaV2` checkpoints, under `attention.self`): `query_proj`, `key_proj`, `value_proj` (weight
 * and bias each); `pos_key_proj` (c2p) and `pos_query_proj` (p2c), both with bias, unless `share_att_key`,
 * where `key_proj` / `query_proj` project the relative rows too.
 */
export function fromV2Weights(backend: Backend, config: DebertaConfig, w: Weights): AttentionProjections {
  const H = config.hiddenSize;
  const A = config.numAttentionHeads * config.attentionHeadSize;
  const query = new Linear(backend, w.scope('query_proj'), H, A);
  const key = new Linear(backend, w.scope('key_proj'), H, A);
  const value = new Linear(backend, w.scope('value_proj'), H, A);
  const { c2p, p2c } = relativeTerms(config);
  const own = !config.shareAttKey;
  const posKey = c2p ? (own ? new Linear(backend, w.scope('pos_key_proj'), H, A) : key) : null;
  const posQuery = p2c ? (own ? new Linear(backend, w.scope('pos_query_proj'), H, A) : query) : null;
  return { query, key, value, posKey, posQuery };
}

/**
 * v1 keys (`Deberta` checkpoints, under `attention.self`): one fused `in_proj.weight` [3·heads·d, hidden]
 * without bias, whose rows are interleaved per head (q, k, v blocks of d rows for head 0, then head 1, ...);
 * `q_bias` and `v_bias` [heads·d] (the key has none); `pos_proj` (c2p, weight only) and `pos_q_proj` (p2c,
 * weight and bias).
 */
export function fromV1Weights(backend: Backend, config: DebertaConfig, w: Weights): AttentionProjections {
  const H = config.hiddenSize;
  const d = config.attentionHeadSize;
  const heads = config.numAttentionHeads;
  const A = heads * d;
  // De-interleaved once, at load, so that q, k and v are plain Linears (the EMD needs q on its own anyway).
  // Rows are output channels, so int8 rows (with their per-row scales) split exactly as float ones do.
  const part = w.dtype === 'q8' ? int8Parts(w.getQ8('in_proj.weight', [3 * A, H]), heads, d, H) : floatParts(w.get('in_proj.weight', [3 * A, H]).data, heads, d, H);
  const query = Linear.fromArrays(backend, part(0), w.get('q_bias', [A]).data, H, A);
  const key = Linear.fromArrays(backend, part(1), null, H, A);
  const value = Linear.fromArrays(backend, part(2), w.get('v_bias', [A]).data, H, A);
  const { c2p, p2c } = relativeTerms(config);
  const posKey = c2p ? new Linear(backend, w.scope('pos_proj'), H, A, false) : null;
  const posQuery = p2c ? new Linear(backend, w.scope('pos_q_proj'), H, A) : null;
  return { query, key, value, posKey, posQuery };
}

/** Part p (0 q, 1 k, 2 v) of a fused, per-head interleaved [3·heads·d, H] weight, as [heads·d, H]. */
function floatParts(inProj: Float32Array, heads: number, d: number, H: number): (p: number) => Float32Array {
  return (p) => {
    const out = new Float32Array(heads * d * H);
    for (let h = 0; h < heads; h++) out.set(inProj.subarray((3 * h + p) * d * H, (3 * h + p + 1) * d * H), h * d * H);
    return out;
  };
}

/** {@link floatParts} of int8 rows: the rows and their scales move together. */
function int8Parts(inProj: Int8Rows, heads: number, d: number, H: number): (p: number) => Int8Rows {
  return (p) => {
    const data = new Int8Array(heads * d * H);
    const scales = new Float32Array(heads * d);
    for (let h = 0; h < heads; h++) {
      const from = (3 * h + p) * d;
      data.set(inProj.data.subarray(from * H, (from + d) * H), h * d * H);
      scales.set(inProj.scales.subarray(from, from + d), h * d);
    }
    return { data, scales };
  };
}
