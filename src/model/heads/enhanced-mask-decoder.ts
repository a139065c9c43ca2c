import { InputError, WeightsError } from '../../errors.js';
import type { BackboneResult, DebertaModel } from '../deberta-model.js';
import type { PackedLayout } from '../packing.js';

/**
 * microsoft/DeBERTa's Enhanced Mask Decoder: absolute positions enter only here, at the end.
 *
 *   H = input of the last layer (hidden_states[-2]),  Z = position_embeddings[0..L-1] (raw rows)
 *   Q = Z + H;  Q = layer_N(keys/values H, queries Q) twice, with shared weights
 *
 * Returns Q [batch, length, hidden], which the LM head turns into logits. With position_biased_input the
 * encoder already saw positions and microsoft uses the last hidden state unchanged.
 */
export function enhancedMaskDecoder(model: DebertaModel, run: BackboneResult): Float32Array {
  const { states, attention, rel } = run;
  if (model.config.positionBiasedInput) return states[states.length - 1];
  const positions = checkDecoder(model, attention.length);
  const H = model.config.hiddenSize;
  const { batch, length } = attention;
  const h = states[states.length - 2]; // [batch, length, hidden]
  const z = positions.subarray(0, length * H); // [length, hidden]
  let q: Float32Array = new Float32Array(h.length);
  for (let b = 0; b < batch; b++) {
    model.backend.add({ a: h, aOffset: b * length * H, b: z, out: q, outOffset: b * length * H, length: length * H }); // sequence b + z
  }
  const n = model.encoder.layers.length - 1;
  const last = model.encoder.layers[n];
  for (let step = 0; step < 2; step++) q = last.forward(h, q, attention, rel && rel.terms(n));
  return q;
}

/**
 * The decoder on a packed run (`padding: 'skip'`, model/packing.ts). Its queries carry absolute positions, so
 * a padded position's output depends on its column: besides the spans' rows, q gets one row per padded column
 * (the padded row's state plus that column's position), computed without attention since a padded query
 * attends to nothing. `needed`: the positions of the padded batch (b · length + t) the caller reads (default
 * all); only their padded columns get rows. Returns q [rows, hidden] and the row each position reads.
 */
export function enhancedMaskDecoderPacked(model: DebertaModel, run: BackboneResult, layout: PackedLayout, needed?: readonly number[]): PackedDecoderOutput {
  const { states, attention, rel } = run;
  if (model.config.positionBiasedInput) return { q: states[states.length - 1], rows: layout.rows, rowOf: layout.rowOf };
  const positions = checkDecoder(model, attention.length);
  const H = model.config.hiddenSize;
  const { tokens, length } = layout;
  const rowOf = layout.rowOf.slice();
  const padColumn = new Int32Array(length).fill(-1);
  let rows = tokens;
  const visit = (i: number) => {
    if (layout.rowOf[i] !== tokens) return; // a span's row (the padded row is `tokens` when there is one)
    const t = i % length;
    if (padColumn[t] < 0) padColumn[t] = rows++;
    rowOf[i] = padColumn[t];
  };
  if (needed === undefined) for (let i = 0; i < rowOf.length; i++) visit(i);
  else for (const i of needed) visit(i);
  const h = states[states.length - 2]; // [layout.rows, hidden]
  let q: Float32Array = new Float32Array(rows * H);
  const K = model.backend;
  for (let b = 0; b < layout.batch; b++) {
    if (layout.count[b] === 0) continue;
    const at = layout.start[b] * H; // sequence b's span + the positions of its columns
    K.add({ a: h, aOffset: at, b: positions, bOffset: layout.column[b] * H, out: q, outOffset: at, length: layout.count[b] * H });
  }
  for (let t = 0; t < length; t++) {
    if (padColumn[t] >= 0) K.add({ a: h, aOffset: tokens * H, b: positions, bOffset: t * H, out: q, outOffset: padColumn[t] * H, length: H });
  }
  const n = model.encoder.layers.length - 1;
  const last = model.encoder.layers[n];
  for (let step = 0; step < 2; step++) q = last.forwardPacked(h, q, rows, layout, rel && ((m: number) => rel.terms(n, m)));
  return { q, rows, rowOf };
}

/** What {@link enhancedMaskDecoderPacked} returns. */
export interface PackedDecoderOutput {
  /** [rows, hidden]. */
  q: Float32Array;
  rows: number;
  /** [batch · length]: the row of q each position reads (only the `needed` ones when the caller named them). */
  rowOf: Int32Array;
}

/** The position embeddings the decoder adds, after checking that it can run on this model and length. */
function checkDecoder(model: DebertaModel, length: number): Float32Array {
  const positions = model.embeddings.positionEmbeddings;
  if (positions === null) {
    throw new WeightsError(
      'the Enhanced Mask Decoder needs "deberta.embeddings.position_embeddings.weight" (microsoft checkpoints carry it); this checkpoint has none',
    );
  }
  const H = model.config.hiddenSize;
  if (model.config.embeddingSize !== H) {
    throw new WeightsError(`the Enhanced Mask Decoder adds position embeddings (size ${model.config.embeddingSize}) to hidden states (size ${H}); they must match`);
  }
  if (length > model.config.maxPositionEmbeddings) {
    throw new InputError(`the Enhanced Mask Decoder adds absolute positions: sequence length ${length} exceeds max_position_embeddings ${model.config.maxPositionEmbeddings}`);
  }
  return positions;
}
