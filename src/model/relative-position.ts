/**
 * Relative positions as Hugging Face builds them: r(i, j) = i - j, optionally mapped to log buckets
 * (v2/v3), the c2p/p2c gather indices derived from them, and the window of the relative-embedding table a
 * sequence length reaches.
 */
import type { DebertaConfig } from './config.js';

/**
 * HF's `make_log_bucket_position` for one relative position, evaluated in float32 as torch does.
 * Positions within ±mid stay as they are; beyond, they are compressed logarithmically so that
 * ±(maxPosition - 1) lands near ±(buckets - 1). Like HF (and unlike microsoft's original), r is not
 * clamped first, so |r| >= maxPosition can land beyond ±(buckets - 1).
 */
export function logBucket(r: number, buckets: number, maxPosition: number): number {
  const mid = buckets >> 1;
  if (r < mid && r > -mid) return r;
  const abs = Math.abs(r);
  if (abs <= mid) return r;
  const f = Math.fround;
  const ratio = f(f(Math.log(f(abs / mid))) / f(Math.log(f((maxPosition - 1) / mid))));
  const logPos = f(Math.ceil(f(ratio * (mid - 1))) + mid);
  return Math.sign(r) * logPos;
}

/**
 * relative_pos [q, k] of `build_relative_position`: i - j, log-bucketed when buckets > 0 and
 * maxPosition > 0.
 */
export function buildRelativePosition(q: number, k: number, buckets: number, maxPosition: number): Int32Array {
  const out = new Int32Array(q * k);
  const bucketed = buckets > 0 && maxPosition > 0;
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < k; j++) out[i * k + j] = bucketed ? logBucket(i - j, buckets, maxPosition) : i - j;
  }
  return out;
}

/** Gather indices of c2p and p2c into the 2·span relative rows used, for a self-attention of length L. */
export interface RelativeIndex {
  /** c2p[i, j] = clamp(r(i, j) + span, 0, 2·span - 1) - rowLo, shape [L, L]. */
  c2p: Int32Array;
  /** p2c[j, i] = clamp(-r(j, i) + span, 0, 2·span - 1) - rowLo, shape [L, L] (key-major, as HF gathers it). */
  p2c: Int32Array;
  /** First relative row any index reaches, so projections skip rows no position can use. */
  rowLo: number;
  /** Number of relative rows reached (from rowLo). */
  rows: number;
}

/** Builds the c2p/p2c indices from relative positions [L, L] and the attention span. */
export function relativeIndex(relativePos: Int32Array, length: number, span: number): RelativeIndex {
  const n = length * length;
  const c2p = new Int32Array(n);
  const p2c = new Int32Array(n);
  const hi = 2 * span - 1;
  let lo = hi;
  let top = 0;
  for (let t = 0; t < n; t++) {
    const r = relativePos[t];
    const a = Math.min(Math.max(r + span, 0), hi);
    const b = Math.min(Math.max(-r + span, 0), hi);
    c2p[t] = a;
    p2c[t] = b;
    lo = Math.min(lo, a, b);
    top = Math.max(top, a, b);
  }
  for (let t = 0; t < n; t++) {
    c2p[t] -= lo;
    p2c[t] -= lo;
  }
  return { c2p, p2c, rowLo: lo, rows: top - lo + 1 };
}

/**
 * Half the rows of `rel_embeddings` ([2·span, hidden]): `position_buckets` when v2/v3 bucket positions, else
 * `max_relative_positions` (HF's `pos_ebd_size` / v1's `max_relative_positions`).
 */
export function tableSpan(config: DebertaConfig): number {
  return config.modelType === 'deberta-v2' && config.positionBuckets > 0 ? config.positionBuckets : config.maxRelativePositions;
}

/**
 * relative_pos [L, L] for a self-attention of length L, as the model's HF class builds it: plain i - j in v1
 * (which clamps later, through its span), log-bucketed in v2/v3 when `position_buckets` > 0.
 */
export function relativePositions(config: DebertaConfig, length: number): Int32Array {
  return config.modelType === 'deberta'
    ? buildRelativePosition(length, length, 0, 0)
    : buildRelativePosition(length, length, config.positionBuckets, config.maxRelativePositions);
}

/** The rows of the relative-embedding table one sequence length reaches, and its gather indices into them. */
export interface RelativeWindow {
  /** c2p/p2c indices, relative to {@link rowStart}. */
  index: RelativeIndex;
  /** The table row that index 0 refers to. */
  rowStart: number;
}

/**
 * The window of a self-attention of length L. v1 attends over att_span = min(L, max_relative_positions) and
 * reads the middle 2·att_span rows of its [2·max_relative_positions] table; v2/v3 always use the whole
 * [2·span] table, from row 0. Either way only rows some (i, j) reaches are kept.
 */
export function relativeWindow(config: DebertaConfig, length: number): RelativeWindow {
  const v1 = config.modelType === 'deberta';
  const span = v1 ? Math.min(length, config.maxRelativePositions) : tableSpan(config);
  const index = relativeIndex(relativePositions(config, length), length, span);
  const tableStart = v1 ? config.maxRelativePositions - span : 0;
  return { index, rowStart: tableStart + index.rowLo };
}
