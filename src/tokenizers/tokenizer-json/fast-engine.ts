import { AddedTokenMatcher, type AddedToken } from '../added-tokens.js';
import type { TokenizerEngine } from '../engine.js';
import { NormString } from '../text/normalized-string.js';
import { isWhiteSpace } from '../text/unicode.js';
import { TokenSink } from '../token-sink.js';
import { runDecoder, type Decoder } from './decoders.js';
import { normalizeString, type Normalizer } from './normalizers.js';
import type { PostProcessor } from './post-processors.js';
import type { PreTokenizer } from './pre-tokenizers.js';

/** A model that tokenizes one pre-tokenized word: Unigram or BPE. */
export interface WordModel {
  readonly vocabType: 'spm' | 'bpe';
  /** Appends the tokens of `text[start..end)` with positions in `text`. */
  encodeWord(text: string, start: number, end: number, sink: TokenSink): void;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  readonly vocabSize: number;
}

/** The parts of a Hugging Face fast tokenizer. */
export interface FastEngineParts {
  normalizer: Normalizer | null;
  preTokenizer: PreTokenizer | null;
  model: WordModel;
  postProcessor: PostProcessor;
  decoder: Decoder | null;
  addedTokens: AddedToken[];
}

/**
 * The Rust `tokenizers` encode pipeline: added tokens that match raw text are cut out first, each remaining
 * piece is normalized, added tokens that match normalized text are cut out, then pre-tokenization and the
 * model. Offsets follow the normalized string's alignments back to the user's text.
 */
export class FastEngine implements TokenizerEngine {
  readonly semantics = 'fast' as const;
  readonly vocabType: 'spm' | 'bpe';
  readonly postProcessor: PostProcessor;
  readonly vocabSize: number;
  readonly fullVocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  private readonly raw: AddedTokenMatcher;
  private readonly normalized: AddedTokenMatcher;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  /** The string Rust returns for an added token id: normalized-form for tokens matched after normalization. */
  private readonly addedSpelling = new Map<number, string>();
  private readonly specialContents = new Set<string>();
  private readonly words: NormString[] = [];
  private readonly wordSink = new TokenSink();

  constructor(private readonly parts: FastEngineParts) {
    this.vocabType = parts.model.vocabType;
    this.postProcessor = parts.postProcessor;
    for (const t of parts.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
      this.addedSpelling.set(t.id, t.normalized ? normalizeString(parts.normalizer, t.content) : t.content);
      if (t.special) this.specialContents.add(t.content);
    }
    this.raw = new AddedTokenMatcher(
      parts.addedTokens.filter((t) => !t.normalized),
      isWhiteSpace,
    );
    this.normalized = new AddedTokenMatcher(
      parts.addedTokens.filter((t) => t.normalized),
      isWhiteSpace,
      (t) => normalizeString(parts.normalizer, t.content),
    );
    this.vocabSize = parts.model.vocabSize;
    let extra = 0;
    for (const t of parts.addedTokens) if (parts.model.tokenToId(t.content) === undefined) extra++;
    this.fullVocabSize = parts.model.vocabSize + extra;
    this.specialIds = new Set(parts.addedTokens.filter((t) => t.special).map((t) => t.id));
  }

  encode(text: string, sink: TokenSink): void {
    this.raw.split(text, 0, text.length, (s, e, token) => {
      if (token) {
        sink.push(token.id, s, e);
        return;
      }
      let ns = NormString.fromOriginal(text, s, e);
      if (this.parts.normalizer) ns = this.parts.normalizer.normalize(ns);
      if (this.normalized.empty) this.encodePiece(ns, sink);
      else {
        this.normalized.split(ns.text, 0, ns.length, (a, b, t) => {
          if (t) sink.push(t.id, ns.starts[a], ns.ends[b - 1]);
          else this.encodePiece(ns.slice(a, b), sink);
        });
      }
    });
  }

  private encodePiece(piece: NormString, sink: TokenSink): void {
    if (piece.length === 0) return;
    const words = this.words;
    words.length = 0;
    if (this.parts.preTokenizer) this.parts.preTokenizer.split(piece, words);
    else words.push(piece);
    const ws = this.wordSink;
    for (const w of words) {
      ws.clear();
      this.parts.model.encodeWord(w.text, 0, w.length, ws);
      for (let i = 0; i < ws.length; i++) sink.push(ws.ids[i], w.starts[ws.starts[i]], w.ends[ws.ends[i] - 1]);
    }
  }

  /**
   * Like Rust's `id_to_token`: an added token matched on normalized text comes back in its normalized
   * spelling (e.g. `[unk]` under a Lowercase normalizer).
   */
  idToToken(id: number): string | undefined {
    return this.addedSpelling.get(id) ?? this.parts.model.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.parts.model.tokenToId(token);
  }

  /**
   * Rust `decode`: ids to token strings (unknown ids dropped), strings spelled like a special token
   * optionally skipped (so a normalized spelling such as `[unk]` is kept, as in Rust), then the decoder.
   */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const t = this.idToToken(id);
      if (t === undefined) continue;
      if (skipSpecialTokens && this.specialContents.has(t)) continue;
      tokens.push(t);
    }
    return runDecoder(this.parts.decoder, tokens);
  }
}
