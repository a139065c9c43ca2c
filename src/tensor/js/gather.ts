/** Row lookup and the index gathers of disentangled attention. */

/**
 * out[t, :] (+)= table[ids[t], :] for a [rows, cols] table. Ids must already be validated.
 */
export function embeddingGather(
  table: Float32Array,
  cols: number,
  ids: Int32Array,
  out: Float32Array,
  accumulate = false,
): void {
  for (let t = 0; t < ids.length; t++) {
    const src = ids[t] * cols;
    const dst = t * cols;
    if (accumulate) for (let j = 0; j < cols; j++) out[dst + j] += table[src + j];
    else out.set(table.subarray(src, src + cols), dst);
  }
}

/**
 * Adds a gathered relative-position term to attention scores [lq, lk] at `scores[sOffset ...]`:
 *
 * - c2p (`byKey` false): scores[i, j] += scale * src[i, index[i, j]]   (src is [lq, srcCols], query rows)
 * - p2c (`byKey` true):  scores[i, j] += scale * src[j, index[j, i]]   (src is [lk, srcCols], key rows;
 *   the gather runs along the key's own row and is then transposed, as in torch.gather(...).transpose)
 *
 * `index` is [lq, lk] for c2p and [lk, lq] for p2c; src rows start at `srcOffset` with stride `srcCols`.
 */
export function addGatheredScores(
  scores: Float32Array,
  sOffset: number,
  lq: number,
  lk: number,
  src: Float32Array,
  srcOffset: number,
  srcCols: number,
  index: Int32Array,
  scale: number,
  byKey: boolean,
): void {
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
