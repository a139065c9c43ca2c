import type { Backend, PackedMatrix } from '../tensor/backend.js';
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
 * q, k, v: [batch, length, heads·d]; posK, posQ: [rows, heads·d] or null, the model's cached projections
 * (their per-head packing is cached too, so they must not change afterwards). Returns context [batch, length, heads·d].
 */
export function disentangledAttention(
  backend: Backend,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  posK: Float32Array | null,
  posQ: Float32Array | null,
  index: RelativeIndex | null,
  heads: number,
  headSize: number,
  scaleFactor: number,
  { batch, length, mask }: AttentionInput,
): Float32Array {
  const relative = index === null ? null : {
    posK: posK && headPacks(backend, posK, heads, headSize, index.rows),
    posQ: posQ && headPacks(backend, posQ, heads, headSize, index.rows),
    c2p: index.c2p,
    p2c: index.p2c,
  };
  const scale = 1 / Math.sqrt(headSize * scaleFactor);
  return backend.attention({ q, k, v, batch, length, heads, headSize, scale, mask, relative });
}

/**
 * Per-head packings of relative projections, keyed by the (cached, unchanging) projection array. Each array
 * belongs to one model's projector, so its packs are made by, and used with, that model's backend.
 */
const packsOf = new WeakMap<Float32Array, PackedMatrix[]>();

/** Frees the packs of a projection window that is no longer used. */
function releasePacks(pos: Float32Array | null): void {
  if (pos === null) return;
  for (const p of packsOf.get(pos) ?? []) p.dispose();
  packsOf.delete(pos);
}

/** Sequence lengths whose relative windows stay packed per projector. */
const MAX_WINDOWS = 4;

/** pos [rows.., heads·d] as one packed Bᵀ [d, rows] per head, packed once per projection window. */
function headPacks(backend: Backend, pos: Float32Array, heads: number, d: number, rows: number): PackedMatrix[] {
  let packs = packsOf.get(pos);
  if (packs === undefined || packs.length !== heads || packs[0].cols !== rows) {
    releasePacks(pos);
    packs = [];
    for (let h = 0; h < heads; h++) {
      packs.push(backend.packB({ source: pos, rows: d, cols: rows, transposed: true, offset: h * d, stride: heads * d }));
    }
    packsOf.set(pos, packs);
  }
  return packs;
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
  /** Window views by first row, so that each window is one array object (the per-head packs key on it). */
  private windows = new Map<number, { posK: Float32Array | null; posQ: Float32Array | null }>();

  constructor(
    private readonly keyProj: Linear | null,
    private readonly queryProj: Linear | null,
    private readonly hiddenSize: number,
  ) {}

  /** Projects the whole table now (at load), so that the first forward does not pay for it. */
  prime(table: Float32Array): void {
    if (this.cache !== null && this.cache.table === table) return;
    const rows = table.length / this.hiddenSize;
    this.cache = {
      table,
      posK: this.keyProj && this.keyProj.forward(table, rows),
      posQ: this.queryProj && this.queryProj.forward(table, rows),
    };
    this.releaseWindows();
  }

  /** Frees the per-head packs of every window. */
  releaseWindows(): void {
    for (const w of this.windows.values()) {
      releasePacks(w.posK);
      releasePacks(w.posQ);
    }
    this.windows.clear();
  }

  /** posK / posQ [rows from rel.rowStart, heads·d], or null for an absent term. */
  get(rel: RelativeContext): { posK: Float32Array | null; posQ: Float32Array | null } {
    this.prime(rel.table);
    const { posK, posQ } = this.cache!;
    const from = (n: number) => rel.rowStart * n;
    let window = this.windows.get(rel.rowStart);
    if (window === undefined) {
      window = {
        posK: posK && posK.subarray(from(this.keyProj!.outFeatures)),
        posQ: posQ && posQ.subarray(from(this.queryProj!.outFeatures)),
      };
      // A few sequence lengths stay packed; older windows release their packs.
      if (this.windows.size >= MAX_WINDOWS) {
        const [oldest, old] = this.windows.entries().next().value!;
        this.windows.delete(oldest);
        releasePacks(old.posK);
        releasePacks(old.posQ);
      }
    } else {
      this.windows.delete(rel.rowStart);
    }
    this.windows.set(rel.rowStart, window);
    return window;
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
  readonly relative: RelativeProjector | null;

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    const H = config.hiddenSize;
    const A = config.numAttentionHeads * config.attentionHeadSize;
    this.queryProj = new Linear(backend, w.scope('query_proj'), H, A);
    this.keyProj = new Linear(backend, w.scope('key_proj'), H, A);
    this.valueProj = new Linear(backend, w.scope('value_proj'), H, A);
    const c2p = config.relativeAttention && config.posAttType.includes('c2p');
    const p2c = config.relativeAttention && config.posAttType.includes('p2c');
    this.posKeyProj = c2p && !config.shareAttKey ? new Linear(backend, w.scope('pos_key_proj'), H, A) : null;
    this.posQueryProj = p2c && !config.shareAttKey ? new Linear(backend, w.scope('pos_query_proj'), H, A) : null;
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
    return disentangledAttention(this.backend, q, k, v, pos.posK, pos.posQ, rel?.index ?? null, heads, d, scaleFactor(this.config), input);
  }

  /** Frees packed weights. */
  dispose(): void {
    this.relative?.releaseWindows();
    for (const l of [this.queryProj, this.keyProj, this.valueProj, this.posKeyProj, this.posQueryProj]) l?.dispose();
  }
}
