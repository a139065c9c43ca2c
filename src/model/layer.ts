import type { Backend } from '../tensor/backend.js';
import { DisentangledSelfAttention, type AttentionInput, type RelativeContext } from './attention.js';
import { DebertaV1SelfAttention } from './attention-v1.js';
import type { DebertaConfig } from './config.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { Weights } from './weights.js';

/** The self-attention of either version: context [batch, length, heads·d] from keys/values and queries. */
export interface SelfAttention {
  forward(hidden: Float32Array, query: Float32Array, input: AttentionInput, rel: RelativeContext | null): Float32Array;
  /** Projects the relative table once per model; null without relative attention. */
  readonly relative: { prime(table: Float32Array): void } | null;
  dispose(): void;
}

/**
 * One transformer block (`encoder.layer.N`):
 *
 *   a = LN(dense(attention(h, q)) + q)          attention.output
 *   y = LN(dense(act(dense(a))) + a)            intermediate, output
 *
 * q is h except in the Enhanced Mask Decoder, which passes position-enriched query states.
 */
export class DebertaLayer {
  readonly attention: SelfAttention;
  readonly attentionOutput: Linear;
  readonly attentionNorm: LayerNorm;
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly outputNorm: LayerNorm;

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    const H = config.hiddenSize;
    const A = config.numAttentionHeads * config.attentionHeadSize;
    const self = w.scope('attention.self');
    this.attention = config.modelType === 'deberta' ? new DebertaV1SelfAttention(backend, config, self) : new DisentangledSelfAttention(backend, config, self);
    this.attentionOutput = new Linear(backend, w.scope('attention.output.dense'), A, H);
    this.attentionNorm = new LayerNorm(backend, w.scope('attention.output.LayerNorm'), H, config.layerNormEps);
    this.intermediate = new Linear(backend, w.scope('intermediate.dense'), H, config.intermediateSize);
    this.output = new Linear(backend, w.scope('output.dense'), config.intermediateSize, H);
    this.outputNorm = new LayerNorm(backend, w.scope('output.LayerNorm'), H, config.layerNormEps);
  }

  /** hidden, query: [batch, length, hidden] -> [batch, length, hidden]. */
  forward(hidden: Float32Array, query: Float32Array, input: AttentionInput, rel: RelativeContext | null): Float32Array {
    const K = this.backend;
    const rows = input.batch * input.length;
    const context = this.attention.forward(hidden, query, input, rel); // [batch, length, heads·d]
    const a = this.attentionOutput.forward(context, rows); // [batch, length, hidden]
    K.add({ a, b: query, out: a });
    this.attentionNorm.forward(a);
    const inter = this.intermediate.forward(a, rows); // [batch, length, intermediate]
    K.activate({ activation: this.config.hiddenAct, x: inter });
    const y = this.output.forward(inter, rows);
    K.add({ a: y, b: a, out: y });
    return this.outputNorm.forward(y);
  }

  /** Frees packed weights. */
  dispose(): void {
    this.attention.dispose();
    for (const l of [this.attentionOutput, this.intermediate, this.output]) l.dispose();
  }
}
