import { kernels } from '../tensor/kernels.js';
import type { DebertaConfig } from './config.js';
import { Linear } from './linear.js';
import type { RelativeIndex } from './relative-position.js';
import type { Weights } from './weights.js';

/** What every layer's attention needs about relative positions for one forward. */
export interface RelativeContext {
  index: RelativeIndex;
  /** The whole relative-embedding table (after its LayerNorm, if any): [tableRows, hidden]. */
  table: Float32Array;
  /** The table row that index 0 refers to. */
  rowStart: number;
}

/** The per-call shapes and mask shared by every layer. */
export interface AttentionInput {
  batch: number;
  length: number;
  /** [batch, length], 1 for tokens and 0 for padding. */
  mask: Uint8Array;
}

/**
 * Disentangled attention, given the projected content vectors and (optionally) the projected relative
 * rows of each term. Shared by v1 and v2/v3, which differ only in their projections.
 *
 *   score = (Q Kᵀ + c2p + p2c) / sqrt(d · (1 + #terms))
 *   c2p[i, j] = Q_i · posK[c2pIndex[i, j]]       p2c[i, j] = K_j · posQ[p2cIndex[j, i]]
 *
 * q, k, v: [batch, length, heads·d]; posK, posQ: [rows, heads·d] or null. Returns context [batch, length, heads·d].
 */
export function disentangledAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  posK: Float32Array | null,
  posQ: Float32Array | null,
  index: RelativeIndex | null,
  heads: number,
  headSize: number,
  scaleFactor: number,
  { batch, length: L, mask }: AttentionInput,
): Float32Array {
  const K = kernels();
  const A = heads * headSize;
  const invScale = 1 / Math.sqrt(headSize * scaleFactor);
  // Scaling q once scales both Q Kᵀ and c2p; p2c is scaled in its gather.
  const qs = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) qs[i] = q[i] * invScale;
  const context = new Float32Array(batch * L * A);
  const scores = new Float32Array(L * L); // [query, key] of one (batch, head)
  const rows = index?.rows ?? 0;
  const rel = new Float32Array(L * rows); // c2p or p2c products of one (batch, head): [L, rows]
  let kPack: Float32Array = new Float32Array(0);
  let vPack: Float32Array = new Float32Array(0);
  for (let h = 0; h < heads; h++) {
    const posKh = posK && index ? K.packB(posK, headSize, rows, true, h * headSize, A) : null;
    const posQh = posQ && index ? K.packB(posQ, headSize, rows, true, h * headSize, A) : null;
    for (let b = 0; b < batch; b++) {
      const off = b * L * A + h * headSize; // head h of sequence b, rows strided by A
      const kT = K.packB(k, headSize, L, true, off, A, kPack);
      kPack = kT.data;
      K.gemm(L, qs, off, A, kT, scores, 0, L); // [query, key]
      if (posKh && index) {
        K.gemm(L, qs, off, A, posKh, rel, 0, rows); // [query, rel]
        K.addGatheredScores(scores, 0, L, L, rel, 0, rows, index.c2p, 1, false);
      }
      if (posQh && index) {
        K.gemm(L, k, off, A, posQh, rel, 0, rows); // [key, rel]
        K.addGatheredScores(scores, 0, L, L, rel, 0, rows, index.p2c, invScale, true);
      }
      K.maskedSoftmax(scores, 0, L, L, mask, b * L);
      const vB = K.packB(v, L, headSize, false, off, A, vPack);
      vPack = vB.data;
      K.gemm(L, scores, 0, L, vB, context, off, A); // [query, d] into head h's columns
    }
  }
  return context;
}

/** Number of relative terms, which sets the score scale sqrt(d · (1 + terms)). */
export function scaleFactor(config: DebertaConfig): number {
  return 1 + config.posAttType.length;
}

/**
 * Projects the relative-embedding table through the position key / query projections once per model (the
 * result depends on weights only) and hands each forward the rows its indices reach.
 */
export class RelativeProjector {
  private cache: { table: Float32Array; posK: Float32Array | null; posQ: Float32Array | null } | null = null;

  constructor(
    private readonly keyProj: Linear | null,
    private readonly queryProj: Linear | null,
    private readonly hiddenSize: number,
  ) {}

  /** posK / posQ [rows from rel.rowStart, heads·d], or null for an absent term. */
  get(rel: RelativeContext): { posK: Float32Array | null; posQ: Float32Array | null } {
    if (this.cache === null || this.cache.table !== rel.table) {
      const rows = rel.table.length / this.hiddenSize;
      this.cache = {
        table: rel.table,
        posK: this.keyProj && this.keyProj.forward(rel.table, rows),
        posQ: this.queryProj && this.queryProj.forward(rel.table, rows),
      };
    }
    const { posK, posQ } = this.cache;
    const from = (n: number) => rel.rowStart * n;
    return {
      posK: posK && posK.subarray(from(this.keyProj!.outFeatures)),
      posQ: posQ && posQ.subarray(from(this.queryProj!.outFeatures)),
    };
  }
}

/**
 * v2/v3 self-attention (`attention.self`): separate `query_proj`, `key_proj`, `value_proj` with biases;
 * relative rows projected by `pos_key_proj` / `pos_query_proj`, or by `key_proj` / `query_proj` themselves
 * when `share_att_key`.
 */
export class DisentangledSelfAttention {
  readonly queryProj: Linear;
  readonly keyProj: Linear;
  readonly valueProj: Linear;
  readonly posKeyProj: Linear | null;
  readonly posQueryProj: Linear | null;
  private readonly relative: RelativeProjector | null;

  constructor(private readonly config: DebertaConfig, w: Weights) {
    const H = config.hiddenSize;
    const A = config.numAttentionHeads * config.attentionHeadSize;
    this.queryProj = new Linear(w.scope('query_proj'), H, A);
    this.keyProj = new Linear(w.scope('key_proj'), H, A);
    this.valueProj = new Linear(w.scope('value_proj'), H, A);
    const c2p = config.relativeAttention && config.posAttType.includes('c2p');
    const p2c = config.relativeAttention && config.posAttType.includes('p2c');
    this.posKeyProj = c2p && !config.shareAttKey ? new Linear(w.scope('pos_key_proj'), H, A) : null;
    this.posQueryProj = p2c && !config.shareAttKey ? new Linear(w.scope('pos_query_proj'), H, A) : null;
    this.relative = c2p || p2c
      ? new RelativeProjector(c2p ? this.posKeyProj ?? this.keyProj : null, p2c ? this.posQueryProj ?? this.queryProj : null, H)
      : null;
  }

  /**
   * hidden: [batch, length, hidden] (keys and values); query: the query states, `hidden` itself except
   * in the Enhanced Mask Decoder. Returns the context [batch, length, heads·d].
   */
  forward(hidden: Float32Array, query: Float32Array, input: AttentionInput, rel: RelativeContext | null): Float32Array {
    const rows = input.batch * input.length;
    const q = this.queryProj.forward(query, rows); // [batch, length, heads·d]
    const k = this.keyProj.forward(hidden, rows);
    const v = this.valueProj.forward(hidden, rows);
    const pos = rel && this.relative ? this.relative.get(rel) : { posK: null, posQ: null };
    const { numAttentionHeads: heads, attentionHeadSize: d } = this.config;
    return disentangledAttention(q, k, v, pos.posK, pos.posQ, rel?.index ?? null, heads, d, scaleFactor(this.config), input);
  }
}
