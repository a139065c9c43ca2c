/**
 * Score functions as the Python pipelines compute them (numpy on float32 logits), so scores agree to float32
 * rounding.
 */

/** softmax(x - max(x)) over one row, as transformers' text-classification and fill-mask pipelines do. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** 1 / (1 + exp(-x)) elementwise. */
export function sigmoid(logits: ArrayLike<number>): Float64Array {
  return Float64Array.from(logits as ArrayLike<number>, (x) => 1 / (1 + Math.exp(-x)));
}

/** Indices of the k largest values, largest first (ties keep the lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const n = Math.min(k, values.length);
  if (n <= 0) return [];
  // A small sorted buffer: k is tiny (top 5 of 128k) so this beats sorting the whole row.
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (idx.length === n && !(v > values[idx[n - 1]])) continue;
    let at = idx.length === n ? n - 1 : idx.length;
    while (at > 0 && v > values[idx[at - 1]]) at--;
    idx.splice(at, 0, i);
    if (idx.length > n) idx.pop();
  }
  return idx;
}

/** Indices sorted by value, largest first (stable for ties). */
export function argsortDescending(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
}
