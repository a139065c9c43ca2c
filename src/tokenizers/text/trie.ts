/**
 * A read-only trie over UTF-16 code units, stored in flat typed arrays. Root transitions are a direct
 * 65,536-entry table (the root of a 128k-piece vocabulary has thousands of children); deeper nodes keep
 * their few children sorted in one shared array.
 */
export class PieceTrie {
  private readonly rootNext = new Int32Array(0x10000).fill(-1);
  private readonly childStart: Int32Array;
  private readonly childEnd: Int32Array;
  private readonly labels: Uint16Array;
  private readonly targets: Int32Array;
  /** Key id per node, -1 when no key ends there. */
  readonly values: Int32Array;

  /**
   * Builds the trie of `keys[i]` for every i with `include(i)`. When a key occurs twice the later index
   * wins, as in the Rust `tokenizers` vocabulary map.
   */
  constructor(keys: readonly string[], include: (index: number) => boolean = () => true) {
    const order: number[] = [];
    let units = 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i].length > 0 && include(i)) {
        order.push(i);
        units += keys[i].length;
      }
    }
    order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
    this.childStart = new Int32Array(units);
    this.childEnd = new Int32Array(units);
    this.values = new Int32Array(units).fill(-1);
    this.labels = new Uint16Array(units);
    this.targets = new Int32Array(units);
    // Breadth-first over ranges of the sorted keys that share a prefix of length `depth`.
    const queue: number[] = [0, 0, order.length, 0];
    let nodes = 1;
    let edges = 0;
    for (let q = 0; q < queue.length; q += 4) {
      const node = queue[q];
      let lo = queue[q + 1];
      const hi = queue[q + 2];
      const depth = queue[q + 3];
      while (lo < hi && keys[order[lo]].length === depth) this.values[node] = order[lo++];
      this.childStart[node] = edges;
      while (lo < hi) {
        const c = keys[order[lo]].charCodeAt(depth);
        let j = lo + 1;
        while (j < hi && keys[order[j]].charCodeAt(depth) === c) j++;
        const child = nodes++;
        this.labels[edges] = c;
        this.targets[edges++] = child;
        if (node === 0) this.rootNext[c] = child;
        queue.push(child, lo, j, depth + 1);
        lo = j;
      }
      this.childEnd[node] = edges;
    }
  }

  /** The child of `node` on code unit `c`, or -1. Node 0 is the root. */
  next(node: number, c: number): number {
    if (node === 0) return this.rootNext[c];
    let lo = this.childStart[node];
    let hi = this.childEnd[node];
    const labels = this.labels;
    if (hi - lo <= 8) {
      for (; lo < hi; lo++) if (labels[lo] === c) return this.targets[lo];
      return -1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const l = labels[mid];
      if (l === c) return this.targets[mid];
      if (l < c) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** The id of the key equal to `text[start..end)`, or -1. */
  get(text: string, start = 0, end = text.length): number {
    if (start >= end) return -1;
    let node = 0;
    for (let i = start; i < end; i++) {
      node = this.next(node, text.charCodeAt(i));
      if (node < 0) return -1;
    }
    return this.values[node];
  }
}
