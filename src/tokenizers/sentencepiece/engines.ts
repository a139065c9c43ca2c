import type { HfTokenizerConfig } from '../config.js';
import { resolveAddedTokens, type ResolvedAddedTokens } from '../resolve-added-tokens.js';
import { MetaspaceDecoder } from '../tokenizer-json/decoders.js';
import { FastEngine } from '../tokenizer-json/fast-engine.js';
import {
  LowercaseNormalizer,
  PrecompiledNormalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripNormalizer,
  type Normalizer,
} from '../tokenizer-json/normalizers.js';
import { debertaTemplate } from '../tokenizer-json/post-processors.js';
import {
  MetaspacePreTokenizer,
  PunctuationPreTokenizer,
  SequencePreTokenizer,
  type PreTokenizer,
} from '../tokenizer-json/pre-tokenizers.js';
import { Charsmap } from './charsmap.js';
import { SlowSpmEngine } from './slow-engine.js';
import type { SpmModel } from './spm-model.js';
import { UnigramModel } from './unigram.js';

function spmAddedTokens(spm: SpmModel, cfg: HfTokenizerConfig, fast: boolean): ResolvedAddedTokens {
  const ids = new Map<string, number>();
  spm.pieces.forEach((p, i) => ids.set(p, i));
  // The converter marks [UNK] as matched on normalized text; the other specials match raw text.
  // Plain added tokens match normalized text in the Rust library (its default for non-special tokens).
  return resolveAddedTokens(cfg, (t) => ids.get(t), spm.pieces.length, (role, special) => ({
    normalized: fast && (role === 'unk' || !special),
  }));
}

/** DeBERTa v2/v3 with slow semantics (transformers `DebertaV2Tokenizer` over sentencepiece). */
export function slowSpmEngine(spm: SpmModel, cfg: HfTokenizerConfig): SlowSpmEngine {
  const sp = spmAddedTokens(spm, cfg, false);
  return new SlowSpmEngine(spm, {
    doLowerCase: cfg.doLowerCase,
    splitByPunct: cfg.splitByPunct,
    addedTokens: sp.tokens,
    clsId: sp.byRole.cls.id,
    sepId: sp.byRole.sep.id,
  });
}

/**
 * DeBERTa v2/v3 with fast semantics built straight from spm.model: the pipeline transformers'
 * `DebertaV2Converter` writes into tokenizer.json (Strip, charsmap, `/ {2,}/` -> " ", Metaspace, Unigram
 * without byte fallback, `[CLS] A [SEP] (B [SEP])`).
 */
export function fastSpmEngine(spm: SpmModel, cfg: HfTokenizerConfig): FastEngine {
  const sp = spmAddedTokens(spm, cfg, true);
  const normalizers: Normalizer[] = [];
  if (cfg.doLowerCase) normalizers.push(new LowercaseNormalizer());
  normalizers.push(new StripNormalizer(true, true));
  if (spm.normalizer.precompiledCharsmap.length > 0) {
    normalizers.push(new PrecompiledNormalizer(new Charsmap(spm.normalizer.precompiledCharsmap)));
  }
  normalizers.push(new ReplaceNormalizer({ Regex: ' {2,}' }, ' '));
  const pre: PreTokenizer[] = [];
  if (cfg.splitByPunct) pre.push(new PunctuationPreTokenizer());
  pre.push(new MetaspacePreTokenizer('\u2581', 'always', true));
  // The converter hands the float32 scores to Rust directly (no JSON round trip), so they stay exact here,
  // unlike scores read from a tokenizer.json (see tokenizer-json/serde-float.ts).
  const model = new UnigramModel(spm.pieces, spm.scores, { unkId: spm.trainer.unkId, byteFallback: false });
  return new FastEngine({
    normalizer: new SequenceNormalizer(normalizers),
    preTokenizer: new SequencePreTokenizer(pre),
    model,
    postProcessor: debertaTemplate(sp.byRole.cls.id, sp.byRole.sep.id),
    decoder: new MetaspaceDecoder('\u2581', true),
    addedTokens: sp.tokens,
  });
}
