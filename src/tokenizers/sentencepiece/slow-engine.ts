import { AddedTokenMatcher, type AddedToken } from '../added-tokens.js';
import type { TokenizerEngine } from '../engine.js';
import { lowerWithMap } from '../text/lowercase.js';
import { PieceTrie } from '../text/trie.js';
import { isPunctuation, isPythonSpace, pythonStrip } from '../text/unicode.js';
import { TokenSink } from '../token-sink.js';
import { debertaTemplate, type PostProcessor } from '../tokenizer-json/post-processors.js';
import { Charsmap } from './charsmap.js';
import { spmDecode, type SpmDecodeModel } from './decode.js';
import { SpmNormalizer } from './normalizer.js';
import { PieceType, type SpmModel } from './spm-model.js';
import { UnigramModel } from './unigram.js';

/** Options that transformers' `DebertaV2Tokenizer` reads from tokenizer_config.json. */
export interface SlowSpmOptions {
  doLowerCase: boolean;
  splitByPunct: boolean;
  /** Added tokens (the special tokens, `[MASK]`, anything from added_tokens.json). */
  addedTokens: AddedToken[];
  clsId: number;
  sepId: number;
}

/**
 * Slow semantics for DeBERTa v2/v3: transformers' `DebertaV2Tokenizer` over the sentencepiece library.
 * Added-token strings are split out of the raw text, every other segment goes through sentencepiece's
 * normalizer and Viterbi (with byte fallback), and decoding follows sentencepiece plus transformers'
 * special-token joining.
 */
export class SlowSpmEngine implements TokenizerEngine {
  readonly semantics = 'slow' as const;
  readonly vocabType = 'spm' as const;
  readonly postProcessor: PostProcessor;
  readonly vocabSize: number;
  readonly fullVocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  readonly unigram: UnigramModel;
  private readonly normalizer: SpmNormalizer;
  private readonly matcher: AddedTokenMatcher;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly segment = new TokenSink();

  constructor(
    private readonly spm: SpmModel,
    private readonly options: SlowSpmOptions,
  ) {
    this.unigram = new UnigramModel(spm.pieces, spm.scores, {
      unkId: spm.types.indexOf(PieceType.Unknown),
      byteFallback: spm.trainer.byteFallback,
      types: spm.types,
    });
    const userDefined = spm.types.includes(PieceType.UserDefined)
      ? new PieceTrie(spm.pieces, (i) => spm.types[i] === PieceType.UserDefined)
      : null;
    this.normalizer = new SpmNormalizer(
      spm.normalizer,
      new Charsmap(spm.normalizer.precompiledCharsmap),
      userDefined,
      spm.trainer.treatWhitespaceAsSuffix,
    );
    for (const t of options.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    this.matcher = new AddedTokenMatcher(options.addedTokens, isPythonSpace);
    this.postProcessor = debertaTemplate(options.clsId, options.sepId);
    this.vocabSize = spm.pieces.length;
    let extra = 0;
    for (const t of options.addedTokens) if (t.id >= spm.pieces.length) extra++;
    this.fullVocabSize = spm.pieces.length + extra;
    this.specialIds = new Set(options.addedTokens.filter((t) => t.special).map((t) => t.id));
  }

  encode(text: string, sink: TokenSink): void {
    this.matcher.split(text, 0, text.length, (s, e, token) => {
      if (token) sink.push(token.id, s, e);
      else if (this.options.splitByPunct) this.splitOnPunct(text, s, e, sink);
      else this.encodeSegment(text, s, e, sink);
    });
  }

  /** transformers' `_run_split_on_punc`: each punctuation character is encoded on its own. */
  private splitOnPunct(text: string, s: number, e: number, sink: TokenSink): void {
    let start = s;
    for (let i = s; i < e; ) {
      const cp = text.codePointAt(i) as number;
      const len = cp > 0xffff ? 2 : 1;
      if (isPunctuation(cp)) {
        if (i > start) this.encodeSegment(text, start, i, sink);
        this.encodeSegment(text, i, i + len, sink);
        start = i + len;
      }
      i += len;
    }
    if (start < e) this.encodeSegment(text, start, e, sink);
  }

  /** `sp.encode(segment)` with offsets mapped back to `text`. */
  private encodeSegment(text: string, s: number, e: number, sink: TokenSink): void {
    let src = text;
    let base = s;
    let end = e;
    let lowerMap: Int32Array | null = null;
    if (this.options.doLowerCase) {
      const lowered = lowerWithMap(text, s, e);
      src = lowered.text;
      lowerMap = lowered.map;
      base = 0;
      end = src.length;
    }
    const norm = this.normalizer.normalize(src, base, end);
    const seg = this.segment;
    seg.clear();
    this.unigram.encodeSentencePiece(norm.text, 0, norm.text.length, seg);
    for (let i = 0; i < seg.length; i++) {
      let a = norm.map[seg.starts[i]];
      let b = norm.map[seg.ends[i]];
      if (this.options.doLowerCase) {
        a = s + (lowerMap ? lowerMap[a] : a);
        b = s + (lowerMap ? lowerMap[b] : b);
      }
      sink.push(seg.ids[i], a, b);
    }
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.unigram.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.unigram.tokenToId(token);
  }

  /**
   * transformers' slow `decode`: special tokens optionally dropped; the rest decoded by sentencepiece in
   * runs, special tokens glued in with a space before the first of a run; `.strip()` at the end.
   */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const specialStrings = new Set<string>();
    for (const t of this.options.addedTokens) if (t.special) specialStrings.add(t.content);
    // Non-special added tokens are transformers' "legacy added tokens": decoded apart, joined by spaces.
    const subTexts: string[] = [];
    let run: string[] = [];
    const flushRun = (): void => {
      if (run.length > 0) {
        const s = this.convertTokensToString(run, specialStrings);
        if (s.length > 0) subTexts.push(s);
      }
      run = [];
    };
    for (const id of ids) {
      const token = this.idToToken(id);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.specialIds.has(id)) continue;
      const added = this.addedById.get(id);
      if (added && !added.special) {
        flushRun();
        subTexts.push(token);
      } else run.push(token);
    }
    if (run.length > 0) subTexts.push(this.convertTokensToString(run, specialStrings));
    return subTexts.join(' ');
  }

  private convertTokensToString(tokens: string[], specials: ReadonlySet<string>): string {
    let out = '';
    let current: string[] = [];
    let prevSpecial = false;
    for (const t of tokens) {
      if (specials.has(t)) {
        if (!prevSpecial) out += ' ';
        out += this.decodePieces(current) + t;
        prevSpecial = true;
        current = [];
      } else {
        current.push(t);
        prevSpecial = false;
      }
    }
    out += this.decodePieces(current);
    return pythonStrip(out);
  }

  /** sentencepiece `DecodePieces`. */
  decodePieces(pieces: readonly string[]): string {
    const spm = this.spm;
    const unk = this.unigram.unkId;
    const ids = pieces.map((p) => {
      const id = this.unigram.tokenToId(p);
      return id === undefined ? unk : id;
    });
    const model: SpmDecodeModel = {
      pieceType: (id) => spm.types[id],
      piece: (id) => spm.pieces[id],
      byteOf: (id) => parseInt(spm.pieces[id].slice(3, 5), 16),
      addDummyPrefix: spm.normalizer.addDummyPrefix,
      removeExtraWhitespaces: spm.normalizer.removeExtraWhitespaces,
    };
    return spmDecode(model, pieces, ids);
  }
}
