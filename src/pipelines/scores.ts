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

/**
 * Indices of the k largest values, largest first (ties keep the lower index first). A min-heap of the best k
 * so far: O(n log k), so the top 5 of a 128k vocabulary and all 128k of them both take milliseconds (an
 * insertion-sorted buffer is O(n k), seconds for a large k).
 */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const n = Math.min(k, values.length);
  if (n <= 0) return [];
  // `worse(a, b)`: a ranks below b. NaN ranks below every number, so it is only kept when nothing else is left.
  const worse = (a: number, b: number): boolean => {
    const va = values[a];
    const vb = values[b];
    if (va === vb) return a > b;
    if (Number.isNaN(va)) return !Number.isNaN(vb) || a > b;
    return va < vb;
  };
  const heap: number[] = []; // heap[0] is the worst of the kept ones
  const down = (at: number): void => {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === at) return;
      [heap[at], heap[m]] = [heap[m], heap[at]];
      at = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    if (heap.length < n) {
      heap.push(i);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!worse(heap[at], heap[parent])) break;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
    } else if (worse(heap[0], i)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/** Indices sorted by value, largest first (stable for ties). */
export function argsortDescending(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
}
