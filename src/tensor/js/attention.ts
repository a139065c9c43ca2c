/**
 * Disentangled attention for every (sequence, head), composed from the reference kernels:
 *
 *   score = (Q Kᵀ + c2p + p2c) · scale,   c2p[i, j] = Q_i · posK[c2p(i, j)],   p2c[i, j] = K_j · posQ[p2c(j, i)]
 *
 * followed by XSoftmax and the product with V.
 */
import { addGatheredScores } from './gather.js';
import { gemm, packB, type PackedMatrix } from './matmul.js';
import { maskedSoftmax } from './softmax.js';

/** The relative-position terms of disentangled attention. */
export interface RelativeTerms {
  /** c2p: per head, posK_hᵀ packed as B [headSize, rows] (`packB(posK, d, rows, true, h · d, heads · d)`), or null. */
  readonly posK: readonly PackedMatrix[] | null;
  /** p2c: per head, posQ_hᵀ packed the same way, or null. */
  readonly posQ: readonly PackedMatrix[] | null;
  /** [length, length] indices into the relative rows for c2p (query-major). */
  readonly c2p: Int32Array;
  /** [length, length] indices for p2c (key-major, as HF gathers it). */
  readonly p2c: Int32Array;
}

/** Shapes, scale and mask of one attention call. */
export interface AttentionArgs {
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headSize: number;
  /** Multiplies every score term: 1 / sqrt(headSize · (1 + number of relative terms)). */
  readonly scale: number;
  /** [batch, length], 1 for tokens and 0 for padding (XSoftmax). */
  readonly mask: Uint8Array;
  readonly relative: RelativeTerms | null;
}

/**
 * q, k, v: [batch, length, heads · headSize]. Returns the context [batch, length, heads · headSize].
 */
export function attention(q: Float32Array, k: Float32Array, v: Float32Array, args: AttentionArgs): Float32Array {
  const { batch, length: L, heads, headSize: d, scale, mask, relative } = args;
  const A = heads * d;
  // Scaling q once scales both Q Kᵀ and c2p; p2c is scaled in its gather.
  const qs = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) qs[i] = q[i] * scale;
  const context = new Float32Array(batch * L * A);
  const scores = new Float32Array(L * L); // [query, key] of one (sequence, head)
  const rows = relative?.posK?.[0]?.n ?? relative?.posQ?.[0]?.n ?? 0;
  const rel = new Float32Array(L * rows); // c2p or p2c products of one (sequence, head): [L, rows]
  let kPack: Float32Array = new Float32Array(0);
  let vPack: Float32Array = new Float32Array(0);
  for (let h = 0; h < heads; h++) {
    const posK = relative?.posK?.[h] ?? null;
    const posQ = relative?.posQ?.[h] ?? null;
    for (let b = 0; b < batch; b++) {
      const off = b * L * A + h * d; // head h of sequence b, rows strided by A
      const kT = packB(k, d, L, true, off, A, kPack);
      kPack = kT.data;
      gemm(L, qs, off, A, kT, scores, 0, L); // [query, key]
      if (posK !== null && relative !== null) {
        gemm(L, qs, off, A, posK, rel, 0, rows); // [query, rel]
        addGatheredScores(scores, 0, L, L, rel, 0, rows, relative.c2p, 1, false);
      }
      if (posQ !== null && relative !== null) {
        gemm(L, k, off, A, posQ, rel, 0, rows); // [key, rel]
        addGatheredScores(scores, 0, L, L, rel, 0, rows, relative.p2c, scale, true);
      }
      maskedSoftmax(scores, 0, L, L, mask, b * L);
      const vB = packB(v, L, d, false, off, A, vPack);
      vPack = vB.data;
      gemm(L, scores, 0, L, vB, context, off, A); // [query, d] into head h's columns
    }
  }
  return context;
}
