import { TokenizerError } from '../../errors.js';
import type { TokenSink } from '../token-sink.js';
import { BYTE_TO_CHAR } from './byte-level.js';

/** Options of {@link BpeModel}. */
export interface BpeOptions {
  /** Split words into UTF-8 bytes mapped through GPT-2's byte table (a ByteLevel pre-tokenizer is in use). */
  byteLevel: boolean;
  unkToken?: string | null;
  fuseUnk?: boolean;
  /** Skip merging when the whole word is a vocabulary entry. */
  ignoreMerges?: boolean;
}

const WORD_CACHE_LIMIT = 50_000;

/**
 * Byte-pair encoding as Rust `tokenizers` and GPT-2 do it: start from single symbols, repeatedly merge the
 * adjacent pair with the lowest merge rank (leftmost first on ties). Results are cached per word.
 */
export class BpeModel {
  readonly vocab: Map<string, number>;
  readonly tokens: string[];
  private readonly pairStart: Int32Array;
  private readonly pairRight: Int32Array;
  private readonly pairRank: Int32Array;
  private readonly pairResult: Int32Array;
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly unkId: number;
  private readonly wordCache = new Map<string, Int32Array>();

  constructor(
    vocab: Map<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    private readonly options: BpeOptions,
  ) {
    this.vocab = vocab;
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    this.tokens = new Array<string>(maxId + 1).fill('');
    for (const [t, id] of vocab) this.tokens[id] = t;
    // Merges as a CSR table: for each left id, its right ids sorted, with rank and result. Pair keys
    // would exceed V8's small-integer range, and Map lookups on heap numbers are slow.
    const n = merges.length;
    const left = new Int32Array(n);
    const right = new Int32Array(n);
    const result = new Int32Array(n);
    merges.forEach(([a, b], rank) => {
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      const ir = vocab.get(a + b);
      if (ia === undefined || ib === undefined) {
        throw new TokenizerError(`merge ${rank + 1} (${JSON.stringify(a)} ${JSON.stringify(b)}) uses a token missing from the vocabulary`);
      }
      if (ir === undefined) {
        throw new TokenizerError(`merge ${rank + 1} result ${JSON.stringify(a + b)} is missing from the vocabulary`);
      }
      left[rank] = ia;
      right[rank] = ib;
      result[rank] = ir;
    });
    // Sort ranks by (left, right, rank); a repeated pair keeps its last rank, as in Rust's and Python's maps.
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => left[x] - left[y] || right[x] - right[y] || y - x);
    this.pairStart = new Int32Array(maxId + 2);
    const rights: number[] = [];
    const ranks: number[] = [];
    const results: number[] = [];
    let prevL = -1;
    let prevR = -1;
    for (const r of order) {
      if (left[r] === prevL && right[r] === prevR) continue;
      prevL = left[r];
      prevR = right[r];
      this.pairStart[left[r] + 1]++;
      rights.push(right[r]);
      ranks.push(r);
      results.push(result[r]);
    }
    for (let i = 1; i < this.pairStart.length; i++) this.pairStart[i] += this.pairStart[i - 1];
    this.pairRight = Int32Array.from(rights);
    this.pairRank = Int32Array.from(ranks);
    this.pairResult = Int32Array.from(results);
    for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.get(BYTE_TO_CHAR[b]) ?? -1;
    const unk = options.unkToken ?? null;
    this.unkId = unk === null ? -1 : (vocab.get(unk) ?? -1);
    if (unk !== null && this.unkId < 0) throw new TokenizerError(`BPE unk_token ${JSON.stringify(unk)} is not in the vocabulary`);
  }

  readonly vocabType = 'bpe' as const;

  get vocabSize(): number {
    return this.vocab.size;
  }

  idToToken(id: number): string | undefined {
    const t = Number.isInteger(id) && id >= 0 && id < this.tokens.length ? this.tokens[id] : undefined;
    return t === undefined || this.vocab.get(t) !== id ? undefined : t;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Encodes the word `text[start..end)`; token positions are UTF-16 ranges of `text`. */
  encodeWord(text: string, start: number, end: number, sink: TokenSink): void {
    if (end <= start) return;
    const word = text.slice(start, end);
    let result = this.wordCache.get(word);
    if (!result) {
      result = this.compute(word);
      if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
      this.wordCache.set(word, result);
    }
    for (let i = 0; i < result.length; i += 3) sink.push(result[i], start + result[i + 1], start + result[i + 2]);
  }

  /** Returns triples (id, startUnit, endUnit) relative to the word. */
  private compute(word: string): Int32Array {
    if (this.options.ignoreMerges && !this.options.byteLevel) {
      const id = this.vocab.get(word);
      if (id !== undefined) return Int32Array.of(id, 0, word.length);
    }
    // Initial symbols: bytes (byte-level) or characters, each with the UTF-16 span of its character.
    const ids: number[] = [];
    const s: number[] = [];
    const e: number[] = [];
    if (this.options.byteLevel) {
      const bytes = new TextEncoder().encode(word);
      if (this.options.ignoreMerges) {
        let mapped = '';
        for (const b of bytes) mapped += BYTE_TO_CHAR[b];
        const id = this.vocab.get(mapped);
        if (id !== undefined) return Int32Array.of(id, 0, word.length);
      }
      let k = 0;
      for (let i = 0; i < word.length; ) {
        const cp = word.codePointAt(i) as number;
        const len = cp > 0xffff ? 2 : 1;
        const nb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        for (let j = 0; j < nb; j++) {
          const id = this.byteIds[bytes[k++]];
          if (id >= 0) {
            ids.push(id);
            s.push(i);
            e.push(i + len);
          } else this.pushUnk(ids, s, e, i, i + len);
        }
        i += len;
      }
    } else {
      for (let i = 0; i < word.length; ) {
        const cp = word.codePointAt(i) as number;
        const len = cp > 0xffff ? 2 : 1;
        const id = this.vocab.get(word.slice(i, i + len));
        if (id !== undefined) {
          ids.push(id);
          s.push(i);
          e.push(i + len);
        } else this.pushUnk(ids, s, e, i, i + len);
        i += len;
      }
    }
    this.merge(ids, s, e);
    const out = new Int32Array(ids.length * 3);
    for (let i = 0; i < ids.length; i++) {
      out[3 * i] = ids[i];
      out[3 * i + 1] = s[i];
      out[3 * i + 2] = e[i];
    }
    return out;
  }

  private pushUnk(ids: number[], s: number[], e: number[], a: number, b: number): void {
    // Without an unk token Rust drops unknown symbols; with fuse_unk consecutive ones become one.
    if (this.unkId < 0) return;
    const last = ids.length - 1;
    if (this.options.fuseUnk && last >= 0 && ids[last] === this.unkId) e[last] = b;
    else {
      ids.push(this.unkId);
      s.push(a);
      e.push(b);
    }
  }

  /** Index into the pair table of merge (a, b), or -1. */
  private pair(a: number, b: number): number {
    let lo = this.pairStart[a];
    let hi = this.pairStart[a + 1];
    const rights = this.pairRight;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const r = rights[mid];
      if (r === b) return mid;
      if (r < b) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private rankOf(a: number, b: number): number {
    const p = this.pair(a, b);
    return p < 0 ? Infinity : this.pairRank[p];
  }

  /**
   * Merges in place: always the lowest-rank adjacent pair, leftmost on ties (Rust's heap order). Short
   * words rescan their few pair ranks; long ones (a 10,000-byte run without spaces) use a heap.
   */
  private merge(ids: number[], s: number[], e: number[]): void {
    if (ids.length < 2) return;
    if (ids.length > 64) {
      this.mergeLong(ids, s, e);
      return;
    }
    const ranks: number[] = [];
    for (let i = 0; i + 1 < ids.length; i++) ranks.push(this.rankOf(ids[i], ids[i + 1]));
    for (;;) {
      let best = Infinity;
      let pos = -1;
      for (let i = 0; i < ranks.length; i++) {
        if (ranks[i] < best) {
          best = ranks[i];
          pos = i;
        }
      }
      if (pos < 0) return;
      ids[pos] = this.pairResult[this.pair(ids[pos], ids[pos + 1])];
      e[pos] = e[pos + 1];
      ids.splice(pos + 1, 1);
      s.splice(pos + 1, 1);
      e.splice(pos + 1, 1);
      ranks.splice(pos, 1);
      if (pos > 0) ranks[pos - 1] = this.rankOf(ids[pos - 1], ids[pos]);
      if (pos < ranks.length) ranks[pos] = this.rankOf(ids[pos], ids[pos + 1]);
    }
  }

  /** The same merge order with a min-heap of (rank, position) and a linked list of live symbols. */
  private mergeLong(ids: number[], s: number[], e: number[]): void {
    const n = ids.length;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Keys rank * 2^32 + position: ordered by rank, then leftmost.
    const heap = new MinHeap();
    const SHIFT = 4294967296;
    for (let i = 0; i + 1 < n; i++) {
      const r = this.rankOf(ids[i], ids[i + 1]);
      if (r !== Infinity) heap.push(r * SHIFT + i);
    }
    while (heap.size > 0) {
      const key = heap.pop();
      const rank = Math.floor(key / SHIFT);
      const pos = key - rank * SHIFT;
      const nx = next[pos];
      // Skip entries made stale by earlier merges.
      if (!alive[pos] || nx < 0 || this.rankOf(ids[pos], ids[nx]) !== rank) continue;
      ids[pos] = this.pairResult[this.pair(ids[pos], ids[nx])];
      e[pos] = e[nx];
      alive[nx] = 0;
      next[pos] = next[nx];
      if (next[nx] >= 0) prev[next[nx]] = pos;
      const p = prev[pos];
      if (p >= 0) {
        const r = this.rankOf(ids[p], ids[pos]);
        if (r !== Infinity) heap.push(r * SHIFT + p);
      }
      if (next[pos] >= 0) {
        const r = this.rankOf(ids[pos], ids[next[pos]]);
        if (r !== Infinity) heap.push(r * SHIFT + pos);
      }
    }
    let k = 0;
    for (let i = 0; i >= 0; i = next[i]) {
      ids[k] = ids[i];
      s[k] = s[i];
      e[k++] = e[i];
    }
    ids.length = s.length = e.length = k;
  }
}

/** A binary min-heap of numbers. */
class MinHeap {
  private data = new Float64Array(64);
  size = 0;

  push(v: number): void {
    if (this.size === this.data.length) {
      const d = new Float64Array(this.size * 2);
      d.set(this.data);
      this.data = d;
    }
    const a = this.data;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= v) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.data;
    const top = a[0];
    const last = a[--this.size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && a[c + 1] < a[c]) c++;
      if (a[c] >= last) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
    return top;
  }
}
