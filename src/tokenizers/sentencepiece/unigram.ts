import { TokenizerError } from '../../errors.js';
import { PieceTrie } from '../text/trie.js';
import { utf8Length, utf8RangeLength } from '../text/unicode.js';
import { TokenSink } from '../token-sink.js';
import { PieceType } from './spm-model.js';

/** Penalty below the lowest piece score given to an unknown character (both references use 10). */
const UNK_PENALTY = 10;
const FLT_MIN = 1.1754943508222875e-38;
const WORD_CACHE_LIMIT = 50_000;

function bytePieceName(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** Options of {@link UnigramModel}. */
export interface UnigramOptions {
  unkId: number;
  byteFallback: boolean;
  /** sentencepiece piece types; absent for a tokenizer.json vocabulary (every piece is then matchable). */
  types?: Uint8Array;
}

/**
 * A Unigram vocabulary and its two Viterbi variants:
 * - {@link encodeSentencePiece}: sentencepiece's `EncodeOptimized` (slow semantics). One lattice over the
 *   whole normalized text; best scores stored as float32, candidates computed in double, the earliest start
 *   wins exact ties; only normal/user-defined pieces match; unknown characters fall back to byte pieces.
 * - {@link encodeRust}: Rust `tokenizers`' `encode_optimized` (fast semantics). float64 scores, every
 *   vocabulary string matches (even `[CLS]` or `<0x41>`), consecutive unknown characters fuse into one token.
 *
 * Both walk the text in UTF-16 units: lattice nodes only sit on code point boundaries, so the order in which
 * candidates are visited, and hence every tie, is the same as over UTF-8 bytes.
 */
export class UnigramModel {
  readonly pieces: readonly string[];
  readonly scores: Float64Array;
  readonly unkId: number;
  readonly byteFallback: boolean;
  private readonly types: Uint8Array | undefined;
  private readonly trie: PieceTrie;
  private readonly pieceIds = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly spmUnkScore: number;
  private readonly spmMaxScore: number;
  private readonly rustUnkScore: number;
  private readonly wordCache = new Map<string, Int32Array>();
  private readonly cacheSink = new TokenSink();
  // Reused Viterbi buffers.
  private best32 = new Float32Array(0);
  private best64 = new Float64Array(0);
  private from = new Int32Array(0);
  private pick = new Int32Array(0);

  constructor(pieces: readonly string[], scores: ArrayLike<number>, options: UnigramOptions) {
    if (pieces.length === 0) throw new TokenizerError('Unigram vocabulary is empty');
    if (!(options.unkId >= 0 && options.unkId < pieces.length)) {
      throw new TokenizerError(`Unigram unk_id ${options.unkId} is outside the vocabulary (size ${pieces.length})`);
    }
    this.pieces = pieces;
    this.scores = Float64Array.from(scores);
    this.unkId = options.unkId;
    this.byteFallback = options.byteFallback;
    this.types = options.types;
    for (let i = 0; i < pieces.length; i++) this.pieceIds.set(pieces[i], i);
    const types = this.types;
    for (let b = 0; b < 256; b++) {
      const id = this.pieceIds.get(bytePieceName(b));
      // sentencepiece only uses pieces typed BYTE; a tokenizer.json vocabulary has no types.
      if (id !== undefined && (!types || types[id] === PieceType.Byte)) this.byteIds[b] = id;
    }
    // sentencepiece: min/max over NORMAL pieces, in float32, starting from FLT_MAX / FLT_MIN.
    let min = Infinity;
    let max = FLT_MIN;
    let minAll = Infinity;
    for (let i = 0; i < pieces.length; i++) {
      const s = this.scores[i];
      if (s < minAll) minAll = s;
      if (!types || types[i] === PieceType.Normal) {
        if (s < min) min = s;
        if (s > max) max = s;
      }
    }
    this.spmUnkScore = Math.fround(Math.fround(min) - UNK_PENALTY);
    this.spmMaxScore = max;
    this.rustUnkScore = minAll - UNK_PENALTY;
    this.trie = new PieceTrie(pieces);
  }

  readonly vocabType = 'spm' as const;

  get vocabSize(): number {
    return this.pieces.length;
  }

  /**
   * {@link WordModel} entry point: the Rust Viterbi, memoized per word like the Rust library's cache
   * (words repeat a lot in real text).
   */
  encodeWord(text: string, start: number, end: number, sink: TokenSink): void {
    const word = start === 0 && end === text.length ? text : text.slice(start, end);
    let hit = this.wordCache.get(word);
    if (hit === undefined) {
      const tmp = this.cacheSink;
      tmp.clear();
      this.encodeRust(word, 0, word.length, tmp);
      hit = new Int32Array(tmp.length * 3);
      for (let i = 0; i < tmp.length; i++) {
        hit[3 * i] = tmp.ids[i];
        hit[3 * i + 1] = tmp.starts[i];
        hit[3 * i + 2] = tmp.ends[i];
      }
      if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
      this.wordCache.set(word, hit);
    }
    for (let i = 0; i < hit.length; i += 3) sink.push(hit[i], start + hit[i + 1], start + hit[i + 2]);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.pieces.length ? this.pieces[id] : undefined;
  }

  tokenToId(token: string): number | undefined {
    return this.pieceIds.get(token);
  }

  private ensure(n: number): void {
    if (this.from.length < n) {
      const size = Math.max(n, this.from.length * 2, 64);
      this.best32 = new Float32Array(size);
      this.best64 = new Float64Array(size);
      this.from = new Int32Array(size);
      this.pick = new Int32Array(size);
    }
  }

  /** sentencepiece Viterbi over `text[start..end)`; appends ids and positions (byte pieces for unknowns). */
  encodeSentencePiece(text: string, start: number, end: number, sink: TokenSink): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n + 1);
    const best = this.best32;
    const from = this.from;
    const pick = this.pick;
    const types = this.types;
    const trie = this.trie;
    const values = trie.values;
    const scores = this.scores;
    from.fill(-1, 0, n + 1);
    best[0] = 0;
    let pos = start;
    while (pos < end) {
      const k = pos - start;
      const here = best[k];
      const c0 = text.charCodeAt(pos);
      const mblen = c0 >= 0xd800 && c0 < 0xdc00 && pos + 1 < end ? 2 : 1;
      let single = false;
      let node = 0;
      for (let j = pos; j < end; j++) {
        node = trie.next(node, text.charCodeAt(j));
        if (node < 0) break;
        const id = values[node];
        if (id < 0) continue;
        const type = types ? types[id] : PieceType.Normal;
        if (type !== PieceType.Normal && type !== PieceType.UserDefined) continue;
        const len = j + 1 - pos;
        // User-defined pieces get a bonus so they always win; computed in double like the C++ ternary.
        const score = type === PieceType.UserDefined ? utf8RangeLength(text, pos, j + 1) * this.spmMaxScore - 0.1 : scores[id];
        const cand = score + here;
        const t = j + 1 - start;
        if (from[t] < 0 || cand > best[t]) {
          best[t] = cand;
          from[t] = k;
          pick[t] = id;
        }
        if (len === mblen) single = true;
      }
      if (!single) {
        const t = k + mblen;
        // float + float: the C++ adds two floats here, so the sum is rounded to float32 before comparing.
        const cand = Math.fround(this.spmUnkScore + here);
        if (from[t] < 0 || cand > best[t]) {
          best[t] = cand;
          from[t] = k;
          pick[t] = this.unkId;
        }
      }
      pos += mblen;
    }
    this.emit(text, start, n, sink, false);
  }

  /** Rust `tokenizers` Viterbi over one pre-tokenized word `text[start..end)`. */
  encodeRust(text: string, start: number, end: number, sink: TokenSink): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n + 1);
    const best = this.best64;
    const from = this.from;
    const pick = this.pick;
    const trie = this.trie;
    const values = trie.values;
    const scores = this.scores;
    from.fill(-1, 0, n + 1);
    best[0] = 0;
    let pos = start;
    while (pos < end) {
      const k = pos - start;
      const here = best[k];
      const c0 = text.charCodeAt(pos);
      const mblen = c0 >= 0xd800 && c0 < 0xdc00 && pos + 1 < end ? 2 : 1;
      let single = false;
      let node = 0;
      for (let j = pos; j < end; j++) {
        node = trie.next(node, text.charCodeAt(j));
        if (node < 0) break;
        const id = values[node];
        if (id < 0) continue;
        const cand = scores[id] + here;
        const t = j + 1 - start;
        if (from[t] < 0 || cand > best[t]) {
          best[t] = cand;
          from[t] = k;
          pick[t] = id;
        }
        if (j + 1 - pos === mblen) single = true;
      }
      if (!single) {
        const t = k + mblen;
        const cand = this.rustUnkScore + here;
        if (from[t] < 0 || cand > best[t]) {
          best[t] = cand;
          from[t] = k;
          pick[t] = this.unkId;
        }
      }
      pos += mblen;
    }
    this.emit(text, start, n, sink, true);
  }

  /** Backtracks the best path and appends it; `rust` selects unknown fusing vs sentencepiece byte fallback. */
  private emit(text: string, start: number, n: number, sink: TokenSink, rust: boolean): void {
    const from = this.from;
    const pick = this.pick;
    const path: number[] = [];
    for (let t = n; t > 0; t = from[t]) path.push(t);
    const unk = this.unkId;
    for (let p = path.length - 1; p >= 0; p--) {
      const t = path[p];
      const s = from[t];
      let id = pick[t];
      let e = t;
      if (id === unk && rust) {
        // Fuse the run of unknown tokens, then look the fused string up like Rust does.
        while (p > 0 && pick[path[p - 1]] === unk) e = path[--p];
        const known = e - s > 1 ? this.pieceIds.get(text.slice(start + s, start + e)) : undefined;
        if (known !== undefined) id = known;
        else if (this.byteFallback && this.pushBytes(text, start + s, start + e, sink, true)) continue;
      } else if (id === unk && this.byteFallback && this.pushBytes(text, start + s, start + e, sink, false)) continue;
      sink.push(id, start + s, start + e);
    }
  }

  /**
   * Appends the UTF-8 byte pieces of `text[s..e)`. `whole` gives every byte the span of the whole token
   * (Rust); otherwise, as sentencepiece reports it, the last byte of each character spans the character
   * and the bytes before it are empty spans at its start.
   */
  private pushBytes(text: string, s: number, e: number, sink: TokenSink, whole: boolean): boolean {
    const bytes = new TextEncoder().encode(text.slice(s, e));
    for (const b of bytes) if (this.byteIds[b] < 0) return false;
    let i = s;
    let k = 0;
    while (i < e) {
      const c = text.charCodeAt(i);
      const len = c >= 0xd800 && c < 0xdc00 && i + 1 < e ? 2 : 1;
      const cp = len === 2 ? text.codePointAt(i) ?? c : c;
      const nb = utf8Length(cp);
      for (let j = 0; j < nb; j++) sink.push(this.byteIds[bytes[k++]], whole ? s : i, whole ? e : j === nb - 1 ? i + len : i);
      i += len;
    }
    return true;
  }
}
