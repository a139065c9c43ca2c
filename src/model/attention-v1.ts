import type { Backend } from '../tensor/backend.js';
import { disentangledAttention, RelativeProjector, scaleFactor, type AttentionInput, type RelativeContext } from './attention.js';
import type { DebertaConfig } from './config.js';
import { Linear } from './linear.js';
import type { Weights } from './weights.js';

/**
 * DeBERTa v1 self-attention (`attention.self`): one fused `in_proj` [3·heads·d, hidden] without bias whose
 * rows are interleaved per head (q, k, v blocks of d rows for head 0, then head 1, ...), plus `q_bias` and
 * `v_bias`; relative rows projected by `pos_proj` (no bias, c2p) and `pos_q_proj` (p2c).
 */
export class DebertaV1SelfAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly relative: RelativeProjector | null;
  private readonly posProjections: Linear[] = [];

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    const H = config.hiddenSize;
    const d = config.attentionHeadSize;
    const heads = config.numAttentionHeads;
    const A = heads * d;
    const inProj = w.get('in_proj.weight', [3 * A, H]).data;
    // De-interleave once so q, k and v are plain Linears; the EMD needs q separately anyway.
    const part = (p: number): Float32Array => {
      const out = new Float32Array(A * H);
      for (let h = 0; h < heads; h++) out.set(inProj.subarray((3 * h + p) * d * H, (3 * h + p + 1) * d * H), h * d * H);
      return out;
    };
    this.query = Linear.fromArrays(backend, part(0), w.get('q_bias', [A]).data, H, A);
    this.key = Linear.fromArrays(backend, part(1), null, H, A);
    this.value = Linear.fromArrays(backend, part(2), w.get('v_bias', [A]).data, H, A);
    const c2p = config.relativeAttention && config.posAttType.includes('c2p');
    const p2c = config.relativeAttention && config.posAttType.includes('p2c');
    const posProj = c2p ? new Linear(backend, w.scope('pos_proj'), H, A, false) : null;
    const posQProj = p2c ? new Linear(backend, w.scope('pos_q_proj'), H, A) : null;
    for (const l of [posProj, posQProj]) if (l !== null) this.posProjections.push(l);
    this.relative = c2p || p2c ? new RelativeProjector(posProj, posQProj, H) : null;
  }

  /** Same contract as the v2 attention: context [batch, length, heads·d]. */
  forward(hidden: Float32Array, query: Float32Array, input: AttentionInput, rel: RelativeContext | null): Float32Array {
    const rows = input.batch * input.length;
    const q = this.query.forward(query, rows); // [batch, length, heads·d], q_bias included
    const k = this.key.forward(hidden, rows);
    const v = this.value.forward(hidden, rows);
    const pos = rel && this.relative ? this.relative.get(rel) : { posK: null, posQ: null };
    const { numAttentionHeads: heads, attentionHeadSize: d } = this.config;
    return disentangledAttention(this.backend, q, k, v, pos.posK, pos.posQ, rel?.index ?? null, heads, d, scaleFactor(this.config), input);
  }

  /** Frees packed weights. */
  dispose(): void {
    this.relative?.releaseWindows();
    for (const l of [this.query, this.key, this.value, ...this.posProjections]) l.dispose();
  }
}
