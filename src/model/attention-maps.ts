/**
 * Attention maps, the diagnostic path of `forward(inputs, { outputAttentions, outputAttentionTerms })`.
 *
 * The fast path runs each layer's attention as one fused kernel (`Backend.attention`) that never materialises
 * the [query, key] matrices of all heads at once. When maps are asked for, this module recomputes them from the
 * same Q, K, relative projections and gather indices the layer already has, one (sequence, head) block at a
 * time, with the same backend ops the reference kernel (`tensor/js/attention.ts`) is composed of:
 *
 *   c2c[i, j] = (Q_i · scale) · K_j
 *   c2p[i, j] = (Q_i · scale) · posK[c2p(i, j)]
 *   p2c[i, j] = scale · K_j · posQ[p2c(j, i)]
 *   probabilities = XSoftmax(mask, c2c + c2p + p2c)
 *
 * The layer's context still comes from the fused kernel, so asking for maps never changes the hidden states.
 */
import { InputError } from '../errors.js';
import type { AttentionArgs, Backend } from '../tensor/backend.js';
import { Tensor } from '../tensor/tensor.js';

/** Which attention maps a forward asks for (`outputAttentions`, `outputAttentionTerms`). */
export interface AttentionMaps {
  /** The attention probabilities (transformers' `output_attentions`). */
  readonly probabilities: boolean;
  /** The scaled score terms before the softmax. */
  readonly terms: boolean;
}

/** {@link AttentionMaps} as the encoder takes them: it appends each layer's to `out`, in layer order. */
export interface AttentionMapRequest extends AttentionMaps {
  /** Receives one entry per encoder layer. */
  readonly out: LayerAttentionMaps[];
}

/** One layer's maps, each [batch, heads, length, length] row-major, null when not asked for or absent. */
export interface LayerAttentionMaps {
  probabilities: Float32Array | null;
  c2c: Float32Array | null;
  c2p: Float32Array | null;
  p2c: Float32Array | null;
}

/**
 * The disentangled parts of one layer's attention scores, each [batch, heads, query, key] and already scaled by
 * 1 / sqrt(d · (1 + number of relative terms)): `c2c + c2p + p2c`, with the padding mask applied, is what the
 * softmax sees. Entries at padded positions are the raw terms (the mask is not folded in). Both relative terms
 * read the relative-embedding row of the query's position relative to the key's, i − j (log-bucketed for v2/v3
 * when `position_buckets` > 0, clamped to the attention span): transformers builds p2c's index as −r(j, i), which
 * is the same row.
 */
export interface AttentionTerms {
  /** Content to content: query_i · key_j. */
  c2c: Tensor;
  /** Content to position: query_i · the key-side projection of the relative embedding of i − j; null without c2p. */
  c2p: Tensor | null;
  /** Position to content: key_j · the query-side projection of the relative embedding of i − j; null without p2c. */
  p2c: Tensor | null;
}

/**
 * Largest total size, in bytes, of the maps one forward may return (2 GiB). Every map is a float32 tensor of
 * batch · heads · length² elements per layer; past this the request is refused before anything is computed,
 * instead of failing half-way with an allocation error or exhausting the process.
 */
export const MAX_ATTENTION_MAP_BYTES = 2 ** 31;

/**
 * Throws an {@link InputError} when the maps asked for would need more than {@link MAX_ATTENTION_MAP_BYTES}.
 *
 * @param where the call, as the message names it
 */
export function checkAttentionMapSize(
  request: AttentionMaps,
  shape: { layers: number; batch: number; heads: number; length: number },
  where: string,
): void {
  const { layers, batch, heads, length } = shape;
  const maps = (request.probabilities ? 1 : 0) + (request.terms ? 3 : 0);
  const bytes = layers * batch * heads * length * length * 4 * maps;
  if (bytes <= MAX_ATTENTION_MAP_BYTES) return;
  const asked = [request.probabilities && 'outputAttentions', request.terms && 'outputAttentionTerms'].filter(Boolean).join(' and ');
  throw new InputError(
    `${where}: ${asked} would need ${bytes} bytes (${(bytes / 2 ** 30).toFixed(1)} GiB: ${maps} float32 map(s) of ` +
      `[batch ${batch}, heads ${heads}, ${length}, ${length}] for each of ${layers} layers), more than the limit of ` +
      `${MAX_ATTENTION_MAP_BYTES} bytes (2 GiB); use a smaller batch or shorter sequences`,
  );
}

/** The inputs of {@link attentionMaps}: what the layer's fused attention call receives, minus V. */
export interface AttentionMapArgs extends Omit<AttentionArgs, 'v'>, AttentionMaps {}

/** Computes one layer's probabilities and/or score terms, each [batch, heads, length, length]. */
export function attentionMaps(backend: Backend, args: AttentionMapArgs): LayerAttentionMaps {
  const { q, k, batch, length: L, heads, headSize: d, scale, mask, relative } = args;
  const A = heads * d;
  const block = L * L;
  const size = batch * heads * block;
  const posKs = relative?.posK ?? null;
  const posQs = relative?.posQ ?? null;
  // The terms are kept whole only when returned; for the probabilities alone one [L, L] block of each is reused,
  // so that asking for probabilities costs one map per layer, as the size check counts.
  const whole = args.terms;
  const c2c = new Float32Array(whole ? size : block);
  const c2p = posKs === null ? null : new Float32Array(whole ? size : block);
  const p2c = posQs === null ? null : new Float32Array(whole ? size : block);
  const probabilities = args.probabilities ? new Float32Array(size) : null;
  // Scaling Q once scales c2c and c2p, as the reference kernel does; p2c is scaled in its gather.
  const qs = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) qs[i] = q[i] * scale;
  const rows = posKs?.[0]?.cols ?? posQs?.[0]?.cols ?? 0;
  const rel = new Float32Array(L * rows); // [L, relative rows] products of one (sequence, head)
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const off = b * L * A + h * d; // head h of sequence b: rows strided by A
      const map = (b * heads + h) * block; // its [L, L] block in a returned map
      const at = whole ? map : 0; // ... and in the term buffers
      const kT = backend.packB({ source: k, rows: d, cols: L, transposed: true, offset: off, stride: A });
      backend.gemm({ m: L, a: qs, aOffset: off, aStride: A, b: kT, out: c2c, outOffset: at });
      kT.dispose();
      if (c2p !== null && posKs !== null && relative !== null) {
        c2p.fill(0, at, at + block); // the gather adds
        backend.gemm({ m: L, a: qs, aOffset: off, aStride: A, b: posKs[h], out: rel }); // [query, rel]
        backend.addGatheredScores({ scores: c2p, scoresOffset: at, queryLength: L, keyLength: L, src: rel, srcStride: rows, index: relative.c2p, scale: 1, byKey: false });
      }
      if (p2c !== null && posQs !== null && relative !== null) {
        p2c.fill(0, at, at + block);
        backend.gemm({ m: L, a: k, aOffset: off, aStride: A, b: posQs[h], out: rel }); // [key, rel]
        backend.addGatheredScores({ scores: p2c, scoresOffset: at, queryLength: L, keyLength: L, src: rel, srcStride: rows, index: relative.p2c, scale, byKey: true });
      }
      if (probabilities !== null) {
        // Summed in the fused kernel's order (c2c, then c2p, then p2c), then XSoftmax under the pairwise mask.
        probabilities.set(c2c.subarray(at, at + block), map);
        if (c2p !== null) backend.add({ a: probabilities, aOffset: map, b: c2p, bOffset: at, out: probabilities, outOffset: map, length: block });
        if (p2c !== null) backend.add({ a: probabilities, aOffset: map, b: p2c, bOffset: at, out: probabilities, outOffset: map, length: block });
        backend.maskedSoftmax({ x: probabilities, offset: map, rows: L, cols: L, mask, maskOffset: b * L });
      }
    }
  }
  return whole ? { probabilities, c2c, c2p, p2c } : { probabilities, c2c: null, c2p: null, p2c: null };
}

/** The public form of every layer's maps: `attentions` and/or `attentionTerms` as Tensors (no copies). */
export function attentionMapTensors(
  maps: readonly LayerAttentionMaps[],
  request: AttentionMaps,
  shape: readonly number[],
): { attentions?: Tensor[]; attentionTerms?: AttentionTerms[] } {
  const t = (x: Float32Array | null) => (x === null ? null : new Tensor(x, shape));
  const out: { attentions?: Tensor[]; attentionTerms?: AttentionTerms[] } = {};
  if (request.probabilities) out.attentions = maps.map((m) => t(m.probabilities)!);
  if (request.terms) out.attentionTerms = maps.map((m) => ({ c2c: t(m.c2c)!, c2p: t(m.c2p), p2c: t(m.p2c) }));
  return out;
}
