import type { TokenSink } from './token-sink.js';
import type { PostProcessor } from './tokenizer-json/post-processors.js';

/** Which reference an engine reproduces: sentencepiece / Python (slow) or Rust `tokenizers` (fast). */
export type Semantics = 'slow' | 'fast';

/**
 * The tokenization engine behind a `DebertaTokenizer`. Called an engine, not a backend, because `Backend`
 * already names the tensor kernel interface.
 */
export interface TokenizerEngine {
  readonly semantics: Semantics;
  /** `spm` for DeBERTa v2/v3 SentencePiece vocabularies, `bpe` for v1's GPT-2 BPE. */
  readonly vocabType: 'spm' | 'bpe';
  /** Tokens of one well-formed text without special tokens; positions are UTF-16 offsets into it. */
  encode(text: string, sink: TokenSink): void;
  readonly postProcessor: PostProcessor;
  decode(ids: readonly number[], skipSpecialTokens: boolean): string;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** transformers' `vocab_size`: the base vocabulary, without added tokens. */
  readonly vocabSize: number;
  /** transformers' `len(tokenizer)`: every id, added tokens included. */
  readonly fullVocabSize: number;
  /** Ids `decode(..., skipSpecialTokens)` drops. */
  readonly specialIds: ReadonlySet<number>;
}
