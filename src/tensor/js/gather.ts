/** Row lookup and the index gathers of disentangled attention. */
import type { EmbeddingGatherArgs, GatheredScoresArgs } from '../backend.js';

/**
 * out[t, :] (+)= table[ids[t], :] for a [rows, cols] table. Ids must already be validated.
 */
export function embeddingGather({ table, cols, ids, out, accumulate = false }: EmbeddingGatherArgs): void {
  for (let t = 0; t < ids.length; t++) {
    const src = ids[t] * cols;
    const dst = t * cols;
    if (accumulate) for (let j = 0; j < cols; j++) out[dst + j] += table[src + j];
    else out.set(table.subarray(src, src + cols), dst);
  }
}

/**
 * Adds a gathered relative-position term to attention scores [lq, lk] (lq = queryLength, lk = keyLength)
 * starting at `scores[scoresOffset]`:
 *
 * - c2p (`byKey` false): scores[i, j] += scale * src[i, index[i, j]]   (src is [lq, srcStride], query rows)
 * - p2c (`byKey` true):  scores[i, j] += scale * src[j, index[j, i]]   (src is [lk, srcStride], key rows;
 *   the gather runs along the key's own row and is then transposed, as in torch.gather(...).transpose)
 *
 * `index` is [lq, lk] for c2p and [lk, lq] for p2c; src rows start at `srcOffset`.
 */
export function addGatheredScores({
  scores,
  scoresOffset: sOffset = 0,
  queryLength: lq,
  keyLength: lk,
  src,
  srcOffset = 0,
  srcStride: srcCols,
  index,
  scale,
  byKey,
}: GatheredScoresArgs): void {
  for (let i = 0; i < lq; i++) {
    const so = sOffset + i * lk;
    if (byKey) {
      for (let j = 0; j < lk; j++) scores[so + j] += scale * src[srcOffset + j * srcCols + index[j * lq + i]];
    } else {
      const ro = srcOffset + i * srcCols;
      const io = i * lk;
      for (let j = 0; j < lk; j++) scores[so + j] += scale * src[ro + index[io + j]];
    }
  }
}
