import type { HfTokenizerConfig } from '../config.js';
import { resolveAddedTokens, type ResolvedAddedTokens } from '../resolve-added-tokens.js';
import { ByteLevelDecoder } from '../tokenizer-json/decoders.js';
import { FastEngine } from '../tokenizer-json/fast-engine.js';
import { debertaTemplate } from '../tokenizer-json/post-processors.js';
import { ByteLevelPreTokenizer } from '../tokenizer-json/pre-tokenizers.js';
import { BpeModel } from './model.js';
import { SlowBpeEngine } from './slow-engine.js';

function bpeAddedTokens(vocab: Map<string, number>, cfg: HfTokenizerConfig): ResolvedAddedTokens {
  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);
  // transformers' DebertaTokenizer creates [MASK] with lstrip=True.
  return resolveAddedTokens(cfg, (t) => vocab.get(t), size, (role, special) => ({
    lstrip: role === 'mask',
    normalized: !special,
  }));
}

/** DeBERTa v1 with slow semantics (transformers `DebertaTokenizer`). */
export function slowBpeEngine(vocab: Map<string, number>, merges: Array<[string, string]>, cfg: HfTokenizerConfig): SlowBpeEngine {
  const sp = bpeAddedTokens(vocab, cfg);
  return new SlowBpeEngine(new BpeModel(vocab, merges, { byteLevel: true }), {
    addPrefixSpace: cfg.addPrefixSpace,
    addedTokens: sp.tokens,
    clsId: sp.byRole.cls.id,
    sepId: sp.byRole.sep.id,
  });
}

/** DeBERTa v1 with fast semantics: what transformers' `DebertaConverter` builds (ByteLevel + BPE). */
export function fastBpeEngine(vocab: Map<string, number>, merges: Array<[string, string]>, cfg: HfTokenizerConfig): FastEngine {
  const sp = bpeAddedTokens(vocab, cfg);
  return new FastEngine({
    normalizer: null,
    preTokenizer: new ByteLevelPreTokenizer(cfg.addPrefixSpace, true),
    model: new BpeModel(vocab, merges, { byteLevel: true }),
    postProcessor: debertaTemplate(sp.byRole.cls.id, sp.byRole.sep.id),
    decoder: new ByteLevelDecoder(),
    addedTokens: sp.tokens,
  });
}
