import { InputError, WeightsError } from '../../errors.js';
import type { BackboneResult, DebertaModel } from '../deberta-model.js';

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
  const { batch, length } = attention;
  if (length > model.config.maxPositionEmbeddings) {
    throw new InputError(`the Enhanced Mask Decoder adds absolute positions: sequence length ${length} exceeds max_position_embeddings ${model.config.maxPositionEmbeddings}`);
  }
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
