import { AddedTokenMatcher, type AddedToken } from '../added-tokens.js';
import type { TokenizerEngine } from '../engine.js';
import { isPythonSpace } from '../text/unicode.js';
import { TokenSink } from '../token-sink.js';
import { debertaTemplate, type PostProcessor } from '../tokenizer-json/post-processors.js';
import { byteLevelDecode } from './byte-level.js';
import { gpt2Split } from './gpt2-split.js';
import type { BpeModel } from './model.js';

/** Options that transformers' `DebertaTokenizer` (slow) reads from tokenizer_config.json. */
export interface SlowBpeOptions {
  addPrefixSpace: boolean;
  addedTokens: AddedToken[];
  clsId: number;
  sepId: number;
}

/**
 * Slow semantics for DeBERTa v1: transformers' `DebertaTokenizer` (GPT-2 byte-level BPE). Added-token
 * strings are split out first (`[MASK]` swallowing the whitespace before it), the rest is cut with GPT-2's
 * regex and byte-pair encoded.
 */
export class SlowBpeEngine implements TokenizerEngine {
  readonly semantics = 'slow' as const;
  readonly vocabType = 'bpe' as const;
  readonly postProcessor: PostProcessor;
  readonly vocabSize: number;
  readonly fullVocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  private readonly matcher: AddedTokenMatcher;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly word = new TokenSink();

  constructor(
    readonly bpe: BpeModel,
    private readonly options: SlowBpeOptions,
  ) {
    for (const t of options.addedTokens) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
    }
    this.matcher = new AddedTokenMatcher(options.addedTokens, isPythonSpace);
    this.postProcessor = debertaTemplate(options.clsId, options.sepId);
    this.vocabSize = bpe.vocabSize;
    let extra = 0;
    for (const t of options.addedTokens) if (bpe.tokenToId(t.content) === undefined) extra++;
    this.fullVocabSize = bpe.vocabSize + extra;
    this.specialIds = new Set(options.addedTokens.filter((t) => t.special).map((t) => t.id));
  }

  encode(text: string, sink: TokenSink): void {
    // transformers prepends the space to the whole text before splitting out added tokens.
    const prefixed = this.options.addPrefixSpace && text.length > 0 && !isPythonSpace(text.codePointAt(0) as number);
    const src = prefixed ? ' ' + text : text;
    const shift = prefixed ? 1 : 0;
    const fix = (i: number): number => Math.max(0, i - shift);
    this.matcher.split(src, 0, src.length, (s, e, token) => {
      if (token) {
        sink.push(token.id, fix(s), fix(e));
        return;
      }
      gpt2Split(src, s, e, (a, b) => {
        const w = this.word;
        w.clear();
        this.bpe.encodeWord(src, a, b, w);
        for (let i = 0; i < w.length; i++) sink.push(w.ids[i], fix(w.starts[i]), fix(w.ends[i]));
      });
    });
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.bpe.idToToken(id);
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.bpe.tokenToId(token);
  }

  /** transformers' slow `decode`: byte-level decoding; non-special added tokens decoded apart and space-joined. */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const subTexts: string[] = [];
    let run: string[] = [];
    for (const id of ids) {
      const token = this.idToToken(id);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.specialIds.has(id)) continue;
      const added = this.addedById.get(id);
      if (added && !added.special && this.bpe.tokenToId(token) === undefined) {
        if (run.length > 0) {
          const s = byteLevelDecode(run);
          if (s.length > 0) subTexts.push(s);
        }
        run = [];
        subTexts.push(token);
      } else run.push(token);
    }
    if (run.length > 0) subTexts.push(byteLevelDecode(run));
    return subTexts.join(' ');
  }
}
