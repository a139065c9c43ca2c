import type { Backend } from '../tensor/backend.js';
import type { AttentionMapRequest } from './attention-maps.js';
import type { AttentionInput } from './attention.js';
import type { DebertaConfig } from './config.js';
import { Arena } from './arena.js';
import { ConvLayer } from './conv-layer.js';
import { DebertaLayer } from './layer.js';
import { LayerNorm } from './layer-norm.js';
import type { PackedLayout } from './packing.js';
import { relativePositions, tableSpan } from './relative-position.js';
import { RelativeProjections, type RelativeContext } from './relative-projections.js';
import type { Weights } from './weights.js';

/**
 * `encoder`: the layer stack, the relative-embedding table `rel_embeddings` (LayerNorm'd by
 * `encoder.LayerNorm` when `norm_rel_ebd` says so, v2) and the v2 convolution branch after layer 0.
 */
export class DebertaEncoder {
  readonly layers: DebertaLayer[];
  readonly conv: ConvLayer | null;
  /** The relative-embedding table as attention uses it (normalised once at load): [2·span, hidden]. */
  readonly relEmbeddings: Float32Array | null;
  /** The table's projections through every layer, and their packs per sequence length. */
  readonly relative: RelativeProjections | null;

  constructor(backend: Backend, private readonly config: DebertaConfig, w: Weights, private readonly arena = new Arena()) {
    this.layers = [];
    for (let i = 0; i < config.numHiddenLayers; i++) this.layers.push(new DebertaLayer(backend, config, w.scope(`layer.${i}`), arena));
    this.conv = config.convKernelSize > 0 ? new ConvLayer(backend, config, w.scope('conv')) : null;
    if (config.relativeAttention) {
      const rows = 2 * tableSpan(config);
      const table = w.get('rel_embeddings.weight', [rows, config.hiddenSize]).data;
      this.relEmbeddings = config.normRelEbd
        ? new LayerNorm(backend, w.scope('LayerNorm'), config.hiddenSize, config.layerNormEps).forward(table, new Float32Array(table.length))
        : table;
      this.relative = new RelativeProjections(backend, config, this.relEmbeddings, this.layers.map((l) => l.attention.projections));
    } else {
      this.relEmbeddings = null;
      this.relative = null;
    }
  }

  /** Frees packed weights. */
  dispose(): void {
    this.relative?.dispose();
    for (const layer of this.layers) layer.dispose();
  }

  /** Relative positions [L, L] as HF builds them (log-bucketed for v2 when `position_buckets` > 0). */
  relativePositions(length: number): Int32Array {
    return relativePositions(this.config, length);
  }

  /** The relative context every layer shares for sequences of this length, or null without relative attention. */
  relativeContext(length: number): RelativeContext | null {
    return this.relative && this.relative.context(length);
  }

  /**
   * embeddings: the embeddings output [batch, length, hidden]. Returns each layer's output (the last is
   * the encoder output); the conv branch, when present, is folded into layer 0's output. maps: when given, every
   * layer appends its attention maps to `maps.out`.
   */
  forward(embeddings: Float32Array, input: AttentionInput, rel: RelativeContext | null, maps?: AttentionMapRequest): Float32Array[] {
    const outputs: Float32Array[] = [];
    let h = embeddings;
    for (let i = 0; i < this.layers.length; i++) {
      const into = this.arena.take(`hidden.${i}`, input.batch * input.length * this.config.hiddenSize); // each layer's own: heads read them all
      let out = this.layers[i].forward(h, h, input, rel && rel.terms(i), maps, into);
      if (i === 0 && this.conv !== null) out = this.conv.forward(h, out, input);
      outputs.push(out);
      h = out;
    }
    return outputs;
  }

  /**
   * The packed path (model/packing.ts): embeddings [layout.rows, hidden] -> each layer's output, the same way;
   * rel: the relative context of the layout's longest span (every shorter one reads its leading block).
   */
  forwardPacked(embeddings: Float32Array, layout: PackedLayout, rel: RelativeContext | null): Float32Array[] {
    const outputs: Float32Array[] = [];
    let h = embeddings;
    for (let i = 0; i < this.layers.length; i++) {
      const into = this.arena.take(`hidden.${i}`, layout.rows * this.config.hiddenSize);
      let out = this.layers[i].forwardPacked(h, h, layout.rows, layout, rel && ((n: number) => rel.terms(i, n)), into);
      if (i === 0 && this.conv !== null) out = this.conv.forwardPacked(h, out, layout);
      outputs.push(out);
      h = out;
    }
    return outputs;
  }
}
