import type { Backend } from '../tensor/backend.js';
import { Arena } from './arena.js';
import { dequantizeRow, type Int8Rows } from '../tensor/quant.js';
import type { DebertaConfig } from './config.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { Weights } from './weights.js';

/**
 * `embeddings`: word (+ absolute position when `position_biased_input`) (+ token type when
 * `type_vocab_size` > 0), summed in embedding_size, projected by `embed_proj` (no bias) when that differs
 * from hidden_size, then LayerNorm, then zeroed at padded positions.
 */
export class DebertaEmbeddings {
  /** [vocab, embedding]: float32, or int8 rows under `dtype: 'q8'` (dequantized row by row on gather). */
  readonly wordEmbeddings: Float32Array | Int8Rows;
  /** Also used by the Enhanced Mask Decoder, which is why it is loaded whenever the checkpoint has it. */
  readonly positionEmbeddings: Float32Array | null;
  readonly tokenTypeEmbeddings: Float32Array | null;
  readonly embedProj: Linear | null;
  readonly norm: LayerNorm;

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights, private readonly arena = new Arena()) {
    const E = config.embeddingSize;
    const wordShape = [config.vocabSize, E] as const;
    this.wordEmbeddings = w.dtype === 'q8' ? ownRows(w.getQ8('word_embeddings.weight', wordShape)) : w.get('word_embeddings.weight', wordShape).data;
    const posShape = [config.maxPositionEmbeddings, E];
    this.positionEmbeddings = config.positionBiasedInput
      ? w.get('position_embeddings.weight', posShape).data
      : w.optional('position_embeddings.weight', posShape)?.data ?? null;
    this.tokenTypeEmbeddings = config.typeVocabSize > 0 ? w.get('token_type_embeddings.weight', [config.typeVocabSize, E]).data : null;
    this.embedProj = E !== config.hiddenSize ? new Linear(backend, w.scope('embed_proj'), E, config.hiddenSize, false) : null;
    this.norm = new LayerNorm(backend, w.scope('LayerNorm'), config.hiddenSize, config.layerNormEps);
  }

  /**
   * ids, typeIds: [batch, length] flattened (already validated); mask: [batch, length] of 0/1; positions: each
   * token's absolute position (default: its index in its row, t % length; the packed path passes each row's
   * column in the padded batch). Returns [batch, length, hidden].
   */
  forward(ids: Int32Array, typeIds: Int32Array | null, mask: Uint8Array, batch: number, length: number, positions?: Int32Array): Float32Array {
    const K = this.backend;
    const E = this.config.embeddingSize;
    const rows = batch * length;
    let x = this.arena.take('embeddings', rows * E); // [batch, length, embedding]
    const words = this.wordEmbeddings;
    if (words instanceof Float32Array) K.embeddingGather({ table: words, cols: E, ids, out: x });
    else for (let t = 0; t < rows; t++) dequantizeRow(words, E, ids[t], x, t * E, false);
    if (this.config.positionBiasedInput && this.positionEmbeddings !== null) {
      if (positions === undefined) {
        positions = new Int32Array(rows);
        for (let t = 0; t < rows; t++) positions[t] = t % length;
      }
      K.embeddingGather({ table: this.positionEmbeddings, cols: E, ids: positions, out: x, accumulate: true });
    }
    if (this.tokenTypeEmbeddings !== null) {
      K.embeddingGather({ table: this.tokenTypeEmbeddings, cols: E, ids: typeIds ?? new Int32Array(rows), out: x, accumulate: true });
    }
    if (this.embedProj !== null) x = this.embedProj.forward(x, rows, this.arena.take('embeddings.projected', rows * this.config.hiddenSize)); // [batch, length, hidden]
    this.norm.forward(x);
    K.scaleRows({ x, rows, cols: this.config.hiddenSize, rowScale: mask });
    return x;
  }

  /** Frees packed weights. */
  dispose(): void {
    this.embedProj?.dispose();
  }
}

/**
 * The table's int8 rows in an array of their own: read from a quantized checkpoint they are a view into the
 * whole file, which the model would otherwise keep alive for as long as it lives.
 */
function ownRows(rows: Int8Rows): Int8Rows {
  const { data } = rows;
  return data.byteLength === data.buffer.byteLength ? rows : { data: data.slice(), scales: rows.scales };
}
