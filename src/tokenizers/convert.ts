import { TokenizerError } from '../errors.js';
import { addedToken, type AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe.js';
import { Charsmap } from './charsmap.js';
import type { HfTokenizerConfig, SpecialRole, TokenSpec } from './config.js';
import { ByteLevelDecoder, MetaspaceDecoder } from './decoders.js';
import { FastPipeline } from './fast-pipeline.js';
import {
  LowercaseNormalizer,
  PrecompiledNormalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripNormalizer,
  type Normalizer,
} from './normalizers.js';
import { debertaTemplate } from './post-processors.js';
import {
  ByteLevelPreTokenizer,
  MetaspacePreTokenizer,
  PunctuationPreTokenizer,
  SequencePreTokenizer,
  type PreTokenizer,
} from './pre-tokenizers.js';
import { SlowBpeBackend } from './slow-bpe.js';
import { SlowSpmBackend } from './slow-spm.js';
import type { SpmModel } from './spm-model.js';
import { UnigramModel } from './unigram.js';

/** transformers' defaults for DeBERTa's special tokens. */
const DEFAULT_SPECIAL: Record<Exclude<SpecialRole, 'bos' | 'eos'>, string> = {
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  unk: '[UNK]',
  mask: '[MASK]',
};

/** The role tokens with their resolved ids and flags. */
export interface ResolvedSpecials {
  tokens: AddedToken[];
  byRole: Record<'cls' | 'sep' | 'pad' | 'unk' | 'mask', AddedToken>;
}

/**
 * Gives every special token and added token an id: an explicit id from the config files, else its id in
 * the base vocabulary, else the next free id after it (how transformers appends `[MASK]` = 128000).
 * `defaults` supplies flags for tokens the config files do not describe.
 */
export function resolveAddedTokens(
  cfg: HfTokenizerConfig,
  baseId: (token: string) => number | undefined,
  baseSize: number,
  defaults: (role: string, special: boolean) => Partial<AddedToken>,
): ResolvedSpecials {
  const byContent = new Map<string, AddedToken>();
  let next = baseSize;
  for (const id of cfg.added.keys()) next = Math.max(next, id + 1);
  const explicit = new Map<string, number>();
  for (const [id, spec] of cfg.added) explicit.set(spec.content, id);
  const add = (content: string, spec: TokenSpec | undefined, role: string, special: boolean): AddedToken => {
    const existing = byContent.get(content);
    if (existing) return existing;
    const id = explicit.get(content) ?? baseId(content) ?? next++;
    const isSpecial = special || spec?.special === true;
    const t = addedToken(id, content, { ...defaults(role, isSpecial), ...(spec ?? {}), special: isSpecial });
    byContent.set(content, t);
    return t;
  };
  const byRole = {} as ResolvedSpecials['byRole'];
  for (const role of ['pad', 'cls', 'sep', 'unk', 'mask'] as const) {
    const spec = cfg.special[role];
    byRole[role] = add(spec?.content ?? DEFAULT_SPECIAL[role], spec, role, true);
  }
  for (const role of ['bos', 'eos'] as const) {
    const spec = cfg.special[role];
    if (spec) add(spec.content, spec, role, true);
  }
  for (const [, spec] of [...cfg.added].sort((a, b) => a[0] - b[0])) {
    add(spec.content, spec, 'added', spec.special || cfg.additionalSpecial.includes(spec.content));
  }
  for (const content of cfg.additionalSpecial) add(content, undefined, 'additional', true);
  return { tokens: [...byContent.values()].sort((a, b) => a.id - b.id), byRole };
}

function spmSpecials(spm: SpmModel, cfg: HfTokenizerConfig, fast: boolean): ResolvedSpecials {
  const ids = new Map<string, number>();
  spm.pieces.forEach((p, i) => ids.set(p, i));
  // The converter marks [UNK] as matched on normalized text; the other specials match raw text.
  // Plain added tokens match normalized text in the Rust library (its default for non-special tokens).
  return resolveAddedTokens(cfg, (t) => ids.get(t), spm.pieces.length, (role, special) => ({
    normalized: fast && (role === 'unk' || !special),
  }));
}

/** DeBERTa v2/v3 with slow semantics (transformers `DebertaV2Tokenizer` over sentencepiece). */
export function slowSpmBackend(spm: SpmModel, cfg: HfTokenizerConfig): SlowSpmBackend {
  const sp = spmSpecials(spm, cfg, false);
  return new SlowSpmBackend(spm, {
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
export function fastSpmPipeline(spm: SpmModel, cfg: HfTokenizerConfig): FastPipeline {
  const sp = spmSpecials(spm, cfg, true);
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
  // unlike scores read from a tokenizer.json (see serde-float.ts).
  const model = new UnigramModel(spm.pieces, spm.scores, { unkId: spm.trainer.unkId, byteFallback: false });
  return new FastPipeline({
    normalizer: new SequenceNormalizer(normalizers),
    preTokenizer: new SequencePreTokenizer(pre),
    model,
    postProcessor: debertaTemplate(sp.byRole.cls.id, sp.byRole.sep.id),
    decoder: new MetaspaceDecoder('\u2581', true),
    addedTokens: sp.tokens,
  });
}

/** Parses vocab.json (token -> id). */
export function parseVocabJson(json: unknown): Map<string, number> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TokenizerError('expected a JSON object of token -> id');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`id of ${JSON.stringify(token)} must be a non-negative integer`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerError('the vocabulary is empty');
  return vocab;
}

/** Parses merges.txt: an optional `#version` line, then one `left right` pair per line. */
export function parseMerges(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError(`line ${i + 1} is not a "left right" merge: ${JSON.stringify(line.slice(0, 80))}`);
    }
    out.push([parts[0], parts[1]]);
  });
  return out;
}

function bpeSpecials(vocab: Map<string, number>, cfg: HfTokenizerConfig): ResolvedSpecials {
  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);
  // transformers' DebertaTokenizer creates [MASK] with lstrip=True.
  return resolveAddedTokens(cfg, (t) => vocab.get(t), size, (role, special) => ({
    lstrip: role === 'mask',
    normalized: !special,
  }));
}

/** DeBERTa v1 with slow semantics (transformers `DebertaTokenizer`). */
export function slowBpeBackend(vocab: Map<string, number>, merges: Array<[string, string]>, cfg: HfTokenizerConfig): SlowBpeBackend {
  const sp = bpeSpecials(vocab, cfg);
  return new SlowBpeBackend(new BpeModel(vocab, merges, { byteLevel: true }), {
    addPrefixSpace: cfg.addPrefixSpace,
    addedTokens: sp.tokens,
    clsId: sp.byRole.cls.id,
    sepId: sp.byRole.sep.id,
  });
}

/** DeBERTa v1 with fast semantics: what transformers' `DebertaConverter` builds (ByteLevel + BPE). */
export function fastBpePipeline(vocab: Map<string, number>, merges: Array<[string, string]>, cfg: HfTokenizerConfig): FastPipeline {
  const sp = bpeSpecials(vocab, cfg);
  return new FastPipeline({
    normalizer: null,
    preTokenizer: new ByteLevelPreTokenizer(cfg.addPrefixSpace, true),
    model: new BpeModel(vocab, merges, { byteLevel: true }),
    postProcessor: debertaTemplate(sp.byRole.cls.id, sp.byRole.sep.id),
    decoder: new ByteLevelDecoder(),
    addedTokens: sp.tokens,
  });
}
