import type { Backend } from '../../tensor/backend.js';
import type { Int8Rows } from '../../tensor/quant.js';
import type { DebertaConfig } from '../config.js';
import { LayerNorm } from '../layer-norm.js';
import { Linear } from '../linear.js';
import type { Weights } from '../weights.js';

/**
 * The masked-LM prediction head, in either layout:
 *
 *   logits = LN(act(dense(h))) @ word_embeddingsᵀ + bias
 *
 * - legacy transformers (`cls.predictions.transform.dense`, `.transform.LayerNorm`, `cls.predictions.bias`;
 *   dense maps hidden -> embedding_size);
 * - microsoft's (`lm_predictions.lm_head.dense`, `.LayerNorm`, `.bias`), which the official checkpoints carry.
 *
 * The decoder is tied to the word embeddings; it is packed on first use, since the table is large and only
 * masked-LM runs need it. Under `dtype: 'q8'` the table's int8 rows are the decoder's int8 output channels.
 */
export class LMPredictionHead {
  readonly dense: Linear;
  readonly norm: LayerNorm;
  readonly bias: Float32Array;
  /** word_embeddings as a Linear [embedding -> vocab] with `bias`; built on first use. */
  private decoder: Linear | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly config: DebertaConfig,
    w: Weights,
    readonly layout: 'legacy' | 'lm_predictions',
    private readonly wordEmbeddings: Float32Array | Int8Rows,
  ) {
    const E = config.embeddingSize;
    const V = config.vocabSize;
    if (layout === 'legacy') {
      const p = w.scope('cls.predictions');
      this.dense = new Linear(backend, p.scope('transform.dense'), config.hiddenSize, E);
      this.norm = new LayerNorm(backend, p.scope('transform.LayerNorm'), E, config.layerNormEps);
      this.bias = p.get('bias', [V]).data;
    } else {
      const p = w.scope('lm_predictions.lm_head');
      this.dense = new Linear(backend, p.scope('dense'), config.hiddenSize, E);
      this.norm = new LayerNorm(backend, p.scope('LayerNorm'), E, config.layerNormEps);
      this.bias = p.get('bias', [V]).data;
    }
  }

  /** hidden [rows, hidden] -> logits [rows, vocab]. */
  forward(hidden: Float32Array, rows: number): Float32Array {
    const K = this.backend;
    const { embeddingSize: E, vocabSize: V } = this.config;
    const x = this.dense.forward(hidden, rows); // [rows, embedding]
    K.activate({ activation: this.config.hiddenAct, x });
    this.norm.forward(x);
    this.decoder ??= Linear.fromArrays(K, this.wordEmbeddings, this.bias, E, V); // int8 rows under q8
    return this.decoder.forward(x, rows); // [rows, vocab]
  }

  /** Frees packed weights (the dense layer and the tied decoder's packing). */
  dispose(): void {
    this.dense.dispose();
    this.decoder?.dispose();
    this.decoder = null;
  }
}
