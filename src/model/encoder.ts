import type { Backend } from '../tensor/backend.js';
import type { AttentionInput, RelativeContext } from './attention.js';
import type { DebertaConfig } from './config.js';
import { ConvLayer } from './conv-layer.js';
import { DebertaLayer } from './layer.js';
import { LayerNorm } from './layer-norm.js';
import { buildRelativePosition, relativeIndex } from './relative-position.js';
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

  constructor(backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    this.layers = [];
    for (let i = 0; i < config.numHiddenLayers; i++) this.layers.push(new DebertaLayer(backend, config, w.scope(`layer.${i}`)));
    this.conv = config.convKernelSize > 0 ? new ConvLayer(backend, config, w.scope('conv')) : null;
    if (config.relativeAttention) {
      const rows = 2 * tableSpan(config);
      const table = w.get('rel_embeddings.weight', [rows, config.hiddenSize]).data;
      this.relEmbeddings = config.normRelEbd
        ? new LayerNorm(backend, w.scope('LayerNorm'), config.hiddenSize, config.layerNormEps).forward(table, new Float32Array(table.length))
        : table;
      // The relative rows' projections depend on weights only: compute them at load, not in the first call.
      for (const layer of this.layers) layer.attention.relative?.prime(this.relEmbeddings);
    } else {
      this.relEmbeddings = null;
    }
  }

  /** Frees packed weights. */
  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }

  /** Relative positions [L, L] as HF builds them (log-bucketed for v2 when `position_buckets` > 0). */
  relativePositions(length: number): Int32Array {
    const { modelType, positionBuckets, maxRelativePositions } = this.config;
    return modelType === 'deberta'
      ? buildRelativePosition(length, length, 0, 0)
      : buildRelativePosition(length, length, positionBuckets, maxRelativePositions);
  }

  /** Relative contexts of recent sequence lengths: they depend on the length only. */
  private readonly contexts = new Map<number, RelativeContext>();

  /** The relative context every layer shares for sequences of this length, or null without relative attention. */
  relativeContext(length: number): RelativeContext | null {
    if (this.relEmbeddings === null) return null;
    let ctx = this.contexts.get(length);
    if (ctx === undefined) {
      ctx = this.buildRelativeContext(length, this.relEmbeddings);
      if (this.contexts.size >= 8) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(length, ctx);
    }
    return ctx;
  }

  private buildRelativeContext(length: number, table: Float32Array): RelativeContext {
    const { modelType, maxRelativePositions } = this.config;
    // v1 uses the middle 2·span rows of its [2·maxrel] table; v2 the first 2·span.
    const span = modelType === 'deberta' ? Math.min(length, maxRelativePositions) : tableSpan(this.config);
    const index = relativeIndex(this.relativePositions(length), length, span);
    const tableStart = modelType === 'deberta' ? maxRelativePositions - span : 0;
    return { index, table, rowStart: tableStart + index.rowLo };
  }

  /**
   * embeddings: the embeddings output [batch, length, hidden]. Returns each layer's output (the last is
   * the encoder output); the conv branch, when present, is folded into layer 0's output.
   */
  forward(embeddings: Float32Array, input: AttentionInput, rel: RelativeContext | null): Float32Array[] {
    const outputs: Float32Array[] = [];
    let h = embeddings;
    for (let i = 0; i < this.layers.length; i++) {
      let out = this.layers[i].forward(h, h, input, rel);
      if (i === 0 && this.conv !== null) out = this.conv.forward(h, out, input);
      outputs.push(out);
      h = out;
    }
    return outputs;
  }
}

/** Relative span of the table: position_buckets when bucketing (v2), else max_relative_positions. */
function tableSpan(config: DebertaConfig): number {
  return config.modelType === 'deberta-v2' && config.positionBuckets > 0 ? config.positionBuckets : config.maxRelativePositions;
}

