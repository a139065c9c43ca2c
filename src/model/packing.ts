/**
 * The packed layout of `forward(inputs, { padding: 'skip' })`: the real tokens of a padded batch, back to back,
 * so that every per-token operation (embeddings, projections, feed-forward, LayerNorm, heads) runs on them only
 * and attention runs per sequence at its own length.
 *
 * Each sequence contributes its span, the columns from its first to its last real token (all of its tokens
 * when it is padded on one side only, the usual case; a masked position inside the span is computed as the
 * padded path computes it). Relative positions are column differences, so they are the same inside the span as
 * in the padded row, and absolute positions (v1's `position_biased_input`, the Enhanced Mask Decoder) are read
 * from each row's original column.
 *
 * Padded positions need no computing: under XSoftmax (transformers 4.40.2) a padded query attends to nothing,
 * its embeddings output is 0, and the v2 conv branch zeroes it, so every padded position of every sequence has
 * the same hidden state in each layer. One extra row, the padded row, carries that state through the layers,
 * and every padded position reads it when the outputs are laid out [batch, length, ...] again.
 */

/** Where each token of a padded batch lives in the packed rows. */
export interface PackedLayout {
  readonly batch: number;
  /** The padded length. */
  readonly length: number;
  /** Rows of the sequences' spans, back to back. */
  readonly tokens: number;
  /** `tokens`, plus 1 for the padded row (at index `tokens`) when some position lies outside every span. */
  readonly rows: number;
  /** Per sequence, the packed row its span starts at. */
  readonly start: Int32Array;
  /** Per sequence, the length of its span (0 for a sequence without tokens). */
  readonly count: Int32Array;
  /** Per sequence, the column its span starts at. */
  readonly column: Int32Array;
  /** The longest span. */
  readonly maxCount: number;
  /** [rows]: 1 for a token, 0 for a masked position inside a span and for the padded row. */
  readonly mask: Uint8Array;
  /** [rows]: each row's column in the padded batch (0 for the padded row). */
  readonly columns: Int32Array;
  /** [batch · length]: the packed row that each position of the padded batch reads. */
  readonly rowOf: Int32Array;
}

/** The packed layout of a padded batch with this attention mask ([batch, length] of 0/1). */
export function packLayout(mask: Uint8Array, batch: number, length: number): PackedLayout {
  const start = new Int32Array(batch);
  const count = new Int32Array(batch);
  const column = new Int32Array(batch);
  let tokens = 0;
  let maxCount = 0;
  for (let b = 0; b < batch; b++) {
    let first = -1;
    let last = -1;
    for (let t = 0; t < length; t++) {
      if (mask[b * length + t] === 0) continue;
      if (first < 0) first = t;
      last = t;
    }
    start[b] = tokens;
    column[b] = Math.max(first, 0);
    count[b] = first < 0 ? 0 : last - first + 1;
    tokens += count[b];
    maxCount = Math.max(maxCount, count[b]);
  }
  const rows = tokens < batch * length ? tokens + 1 : tokens;
  const rowMask = new Uint8Array(rows);
  const columns = new Int32Array(rows);
  const rowOf = new Int32Array(batch * length).fill(tokens);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < count[b]; k++) {
      const r = start[b] + k;
      const t = column[b] + k;
      rowMask[r] = mask[b * length + t];
      columns[r] = t;
      rowOf[b * length + t] = r;
    }
  }
  return { batch, length, tokens, rows, start, count, column, maxCount, mask: rowMask, columns, rowOf };
}

/** A per-position value of the padded batch ([batch · length]) per packed row; the padded row gets `fill`. */
export function packValues(values: Int32Array, layout: PackedLayout, fill = 0): Int32Array {
  const out = new Int32Array(layout.rows).fill(fill);
  for (let b = 0; b < layout.batch; b++) {
    const from = b * layout.length + layout.column[b];
    out.set(values.subarray(from, from + layout.count[b]), layout.start[b]);
  }
  return out;
}

/**
 * Rows laid out [batch · length, cols] again: position i gets row `rowOf[i]` of `x` ([rows, cols]).
 *
 * @param rowOf which row of `x` each position reads (a layout's `rowOf`, or one a head extended with its own rows)
 */
export function unpackRows(x: Float32Array, cols: number, rowOf: Int32Array): Float32Array {
  const out = new Float32Array(rowOf.length * cols);
  for (let i = 0; i < rowOf.length; i++) {
    // An index loop, not a subarray view per position: this runs on every position of every packed forward.
    const from = rowOf[i] * cols, to = i * cols;
    for (let c = 0; c < cols; c++) out[to + c] = x[from + c];
  }
  return out;
}
