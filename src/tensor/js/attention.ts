/**
 * Disentangled attention for every (sequence, head), composed from the reference kernels:
 *
 *   score = (Q Kᵀ + c2p + p2c) · scale,   c2p[i, j] = Q_i · posK[c2p(i, j)],   p2c[i, j] = K_j · posQ[p2c(j, i)]
 *
 * followed by XSoftmax and the product with V.
 */
import type { AttentionArgs } from '../backend.js';
import { addGatheredScores } from './gather.js';
import { gemm, packB } from './matmul.js';
import { maskedSoftmax } from './softmax.js';

/**
 * q, k, v: [batch, length, heads · headSize]. Returns the context [batch, length, heads · headSize].
 */
export function attention({ q, k, v, batch, length: L, heads, headSize: d, scale, mask, relative, out }: AttentionArgs): Float32Array {
  const A = heads * d;
  // Scaling q once scales both Q Kᵀ and c2p; p2c is scaled in its gather.
  const qs = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) qs[i] = q[i] * scale;
  const context = contextBuffer(out, batch * L * A);
  const scores = new Float32Array(L * L); // [query, key] of one (sequence, head)
  const rows = relative?.posK?.[0]?.cols ?? relative?.posQ?.[0]?.cols ?? 0;
  const rel = new Float32Array(L * rows); // c2p or p2c products of one (sequence, head): [L, rows]
  let kPack: Float32Array = new Float32Array(0);
  let vPack: Float32Array = new Float32Array(0);
  for (let h = 0; h < heads; h++) {
    const posK = relative?.posK?.[h] ?? null;
    const posQ = relative?.posQ?.[h] ?? null;
    for (let b = 0; b < batch; b++) {
      const off = b * L * A + h * d; // head h of sequence b, rows strided by A
      const kT = packB({ source: k, rows: d, cols: L, transposed: true, offset: off, stride: A, into: kPack });
      kPack = kT.data;
      gemm({ m: L, a: qs, aOffset: off, aStride: A, b: kT, out: scores }); // [query, key]
      if (posK !== null && relative !== null) {
        gemm({ m: L, a: qs, aOffset: off, aStride: A, b: posK, out: rel }); // [query, rel]
        addGatheredScores({ scores, queryLength: L, keyLength: L, src: rel, srcStride: rows, index: relative.c2p, scale: 1, byKey: false });
      }
      if (posQ !== null && relative !== null) {
        gemm({ m: L, a: k, aOffset: off, aStride: A, b: posQ, out: rel }); // [key, rel]
        addGatheredScores({ scores, queryLength: L, keyLength: L, src: rel, srcStride: rows, index: relative.p2c, scale, byKey: true });
      }
      maskedSoftmax({ x: scores, rows: L, cols: L, mask, maskOffset: b * L });
      const vB = packB({ source: v, rows: L, cols: d, transposed: false, offset: off, stride: A, into: vPack });
      vPack = vB.data;
      gemm({ m: L, a: scores, b: vB, out: context, outOffset: off, outStride: A }); // [query, d] into head h's columns
    }
  }
  return context;
}

/** The caller's `out` (its first `n` elements) when given, else a new array. */
export function contextBuffer(out: Float32Array | undefined, n: number): Float32Array {
  if (out === undefined) return new Float32Array(n);
  if (out.length < n) throw new RangeError(`attention: out has ${out.length} elements, the context needs ${n}`);
  return out.length === n ? out : out.subarray(0, n);
}
