/**
 * DeBERTa tokenizers: SentencePiece Unigram (v2/v3, from spm.model or tokenizer.json) and GPT-2 byte-level
 * BPE (v1), reproducing transformers' slow (Python/sentencepiece) or fast (Rust `tokenizers`) results.
 */
export { AutoTokenizer, type TokenizerLoadOptions } from './auto.js';
export { MAX_PADDING_TOKENS, MAX_SEQUENCE_LENGTH } from './tokenizer.js';
export type {
  BatchEncoding,
  DebertaTokenizer,
  DecodeOptions,
  EncodeOptions,
  PaddingOption,
  TokenizerCallOptions,
  TruncationOption,
} from './tokenizer.js';
export type { TruncationStrategy } from './truncation.js';
export type { Semantics } from './engine.js';
