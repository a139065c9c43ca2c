import type { Backend, RelativeTerms } from '../tensor/backend.js';
import { Arena } from './arena.js';
import type { AttentionMapRequest } from './attention-maps.js';
import { DisentangledSelfAttention, type AttentionInput } from './attention.js';
import type { DebertaConfig } from './config.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { PackedLayout } from './packing.js';
import type { Weights } from './weights.js';

/**
 * One transformer block (`encoder.layer.N`):
 *
 *   a = LN(dense(attention(h, q)) + q)          attention.output
 *   y = LN(dense(act(dense(a))) + a)            intermediate, output
 *
 * q is h except in the Enhanced Mask Decoder, which passes position-enriched query states.
 */
export class DebertaLayer {
  readonly attention: DisentangledSelfAttention;
  readonly attentionOutput: Linear;
  readonly attentionNorm: LayerNorm;
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly outputNorm: LayerNorm;

  constructor(backend: Backend, private readonly config: DebertaConfig, w: Weights, private readonly arena = new Arena()) {
    const H = config.hiddenSize;
    const A = config.numAttentionHeads * config.attentionHeadSize;
    this.attention = DisentangledSelfAttention.fromWeights(backend, config, w.scope('attention.self'), arena);
    this.attentionOutput = new Linear(backend, w.scope('attention.output.dense'), A, H);
    this.attentionNorm = new LayerNorm(backend, w.scope('attention.output.LayerNorm'), H, config.layerNormEps);
    this.intermediate = new Linear(backend, w.scope('intermediate.dense'), H, config.intermediateSize);
    this.output = new Linear(backend, w.scope('output.dense'), config.intermediateSize, H);
    this.outputNorm = new LayerNorm(backend, w.scope('output.LayerNorm'), H, config.layerNormEps);
  }

  /**
   * hidden, query: [batch, length, hidden] -> [batch, length, hidden]; relative: this layer's c2p/p2c terms;
   * maps: collects this layer's attention maps when given; out: where to write the output (default a new array).
   */
  forward(hidden: Float32Array, query: Float32Array, input: AttentionInput, relative: RelativeTerms | null, maps?: AttentionMapRequest, out?: Float32Array): Float32Array {
    const context = this.attention.forward(hidden, query, input, relative, maps); // [batch, length, heads·d]
    return this.outputs(context, query, input.batch * input.length, out);
  }

  /**
   * The packed path (model/packing.ts): hidden [layout.rows, hidden] (keys and values), query [queryRows, hidden]
   * (its first `layout.tokens` rows are the layout's; rows after them are padded queries) ->
   * [queryRows, hidden]; relative: this layer's terms for a sequence length, or null.
   */
  forwardPacked(
    hidden: Float32Array,
    query: Float32Array,
    queryRows: number,
    layout: PackedLayout,
    relative: ((length: number) => RelativeTerms) | null,
    out?: Float32Array,
  ): Float32Array {
    const context = this.attention.forwardPacked(hidden, query, queryRows, layout, relative); // [queryRows, heads·d]
    return this.outputs(context, query, queryRows, out);
  }

  /**
   * Everything after the attention: context, query [rows, ...] -> the layer's output [rows, hidden], into `out`
   * when given. The intermediates come from the arena: nothing else is allocated.
   */
  private outputs(context: Float32Array, query: Float32Array, rows: number, out: Float32Array = new Float32Array(rows * this.config.hiddenSize)): Float32Array {
    const { hiddenSize: H, intermediateSize: I } = this.config;
    const a = this.attentionOutput.forward(context, rows, this.arena.take('attention.output', rows * H), { residual: query }); // [batch, length, hidden]
    this.attentionNorm.forward(a);
    const inter = this.intermediate.forward(a, rows, this.arena.take('intermediate', rows * I), { activation: this.config.hiddenAct }); // [batch, length, intermediate]
    const y = this.output.forward(inter, rows, out, { residual: a }); // [batch, length, hidden]
    return this.outputNorm.forward(y);
  }

  /** Frees packed weights. */
  dispose(): void {
    this.attention.dispose();
    for (const l of [this.attentionOutput, this.intermediate, this.output]) l.dispose();
  }
}
