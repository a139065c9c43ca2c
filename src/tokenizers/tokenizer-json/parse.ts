import { TokenizerError } from '../../errors.js';
import { addedToken, type AddedToken } from '../added-tokens.js';
import { BpeModel } from '../bpe/model.js';
import { Charsmap } from '../sentencepiece/charsmap.js';
import { UnigramModel } from '../sentencepiece/unigram.js';
import { decodeBase64 } from '../text/base64.js';
import {
  ByteFallbackDecoder,
  ByteLevelDecoder,
  FuseDecoder,
  MetaspaceDecoder,
  ReplaceDecoder,
  SequenceDecoder,
  StripDecoder,
  type Decoder,
} from './decoders.js';
import { FastEngine, type WordModel } from './fast-engine.js';
import {
  LowercaseNormalizer,
  PrecompiledNormalizer,
  ReplaceNormalizer,
  SequenceNormalizer,
  StripNormalizer,
  UnicodeNormalizer,
  type Normalizer,
} from './normalizers.js';
import { ClsSepProcessor, TemplateProcessor, type PostProcessor, type TemplatePiece } from './post-processors.js';
import {
  ByteLevelPreTokenizer,
  MetaspacePreTokenizer,
  PunctuationPreTokenizer,
  SequencePreTokenizer,
  type PrependScheme,
  type PreTokenizer,
} from './pre-tokenizers.js';
import { serdeJsonF64 } from './serde-float.js';

type Json = Record<string, unknown>;

/** Every error names the JSON path it is about. */
function fail(path: string, problem: string): never {
  throw new TokenizerError(`${path}: ${problem}`);
}

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  return v as Json;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'expected a string');
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a number');
  return v;
}

function int(v: unknown, path: string): number {
  const n = num(v, path);
  if (!Number.isInteger(n) || n < 0) fail(path, 'expected a non-negative integer');
  return n;
}

function bool(v: unknown, path: string, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') fail(path, 'expected a boolean');
  return v;
}

function pattern(v: unknown, path: string): { String: string } | { Regex: string } {
  const o = obj(v, path);
  if (typeof o.String === 'string') return { String: o.String };
  if (typeof o.Regex === 'string') return { Regex: o.Regex };
  fail(path, 'expected {"String": ...} or {"Regex": ...}');
}

function precompiled(b64: string, path: string): Normalizer {
  try {
    return new PrecompiledNormalizer(new Charsmap(decodeBase64(b64)));
  } catch (e) {
    fail(path, (e as Error).message);
  }
}

function normalizer(v: unknown, path: string): Normalizer | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  switch (type) {
    case 'Sequence':
      return new SequenceNormalizer(
        arr(o.normalizers, `${path}.normalizers`).map((n, i) => normalizer(n, `${path}.normalizers[${i}]`) as Normalizer),
      );
    case 'Strip':
      return new StripNormalizer(bool(o.strip_left, `${path}.strip_left`, true), bool(o.strip_right, `${path}.strip_right`, true));
    case 'Precompiled':
      return precompiled(str(o.precompiled_charsmap, `${path}.precompiled_charsmap`), `${path}.precompiled_charsmap`);
    case 'Replace':
      return new ReplaceNormalizer(pattern(o.pattern, `${path}.pattern`), str(o.content, `${path}.content`));
    case 'Lowercase':
      return new LowercaseNormalizer();
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return new UnicodeNormalizer(type);
    default:
      fail(`${path}.type`, `normalizer ${JSON.stringify(type)} is not supported`);
  }
}

function prependScheme(o: Json, path: string): PrependScheme {
  if (o.prepend_scheme !== undefined) {
    const s = str(o.prepend_scheme, `${path}.prepend_scheme`);
    if (s !== 'always' && s !== 'first' && s !== 'never') fail(`${path}.prepend_scheme`, `unknown scheme ${JSON.stringify(s)}`);
    return s;
  }
  // Files written before tokenizers 0.14 use add_prefix_space.
  return bool(o.add_prefix_space, `${path}.add_prefix_space`, true) ? 'always' : 'never';
}

function replacementChar(o: Json, path: string): string {
  const r = o.replacement === undefined ? '\u2581' : str(o.replacement, `${path}.replacement`);
  if ([...r].length !== 1) fail(`${path}.replacement`, 'expected a single character');
  return r;
}

function preTokenizer(v: unknown, path: string): PreTokenizer | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  switch (type) {
    case 'Sequence':
      return new SequencePreTokenizer(
        arr(o.pretokenizers, `${path}.pretokenizers`).map(
          (p, i) => preTokenizer(p, `${path}.pretokenizers[${i}]`) as PreTokenizer,
        ),
      );
    case 'Metaspace':
      return new MetaspacePreTokenizer(replacementChar(o, path), prependScheme(o, path), bool(o.split, `${path}.split`, true));
    case 'ByteLevel':
      return new ByteLevelPreTokenizer(
        bool(o.add_prefix_space, `${path}.add_prefix_space`, true),
        bool(o.use_regex, `${path}.use_regex`, true),
      );
    case 'Punctuation': {
      const behavior = o.behavior === undefined ? 'Isolated' : str(o.behavior, `${path}.behavior`);
      if (behavior !== 'Isolated') fail(`${path}.behavior`, `Punctuation behavior ${behavior} is not supported`);
      return new PunctuationPreTokenizer();
    }
    default:
      fail(`${path}.type`, `pre-tokenizer ${JSON.stringify(type)} is not supported`);
  }
}

function model(v: unknown, path: string, byteLevel: boolean): WordModel {
  const o = obj(v, path);
  const type = o.type === undefined ? (Array.isArray(o.vocab) ? 'Unigram' : 'BPE') : str(o.type, `${path}.type`);
  if (type === 'Unigram') {
    const vocab = arr(o.vocab, `${path}.vocab`);
    const pieces: string[] = new Array<string>(vocab.length);
    const scores = new Float64Array(vocab.length);
    vocab.forEach((entry, i) => {
      const e = arr(entry, `${path}.vocab[${i}]`);
      pieces[i] = str(e[0], `${path}.vocab[${i}][0]`);
      // Scores as the Rust library reads them (see serde-float.ts), so near-ties break the same way.
      scores[i] = serdeJsonF64(num(e[1], `${path}.vocab[${i}][1]`));
    });
    if (o.unk_id === null || o.unk_id === undefined) fail(`${path}.unk_id`, 'a Unigram model without unk_id is not supported');
    const unkId = int(o.unk_id, `${path}.unk_id`);
    try {
      return new UnigramModel(pieces, scores, { unkId, byteFallback: bool(o.byte_fallback, `${path}.byte_fallback`, false) });
    } catch (e) {
      fail(path, (e as Error).message);
    }
  }
  if (type === 'BPE') {
    const vocabObj = obj(o.vocab, `${path}.vocab`);
    const vocab = new Map<string, number>();
    for (const [k, id] of Object.entries(vocabObj)) vocab.set(k, int(id, `${path}.vocab[${JSON.stringify(k)}]`));
    const merges = arr(o.merges, `${path}.merges`).map((m, i): [string, string] => {
      if (typeof m === 'string') {
        const sp = m.indexOf(' ');
        if (sp <= 0) fail(`${path}.merges[${i}]`, `expected "left right", got ${JSON.stringify(m)}`);
        return [m.slice(0, sp), m.slice(sp + 1)];
      }
      const pair = arr(m, `${path}.merges[${i}]`);
      return [str(pair[0], `${path}.merges[${i}][0]`), str(pair[1], `${path}.merges[${i}][1]`)];
    });
    for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
      if (o[key] !== undefined && o[key] !== null && o[key] !== '') fail(`${path}.${key}`, 'BPE subword affixes are not supported');
    }
    if (o.dropout !== undefined && o.dropout !== null && o.dropout !== 0) fail(`${path}.dropout`, 'BPE dropout is not supported');
    try {
      return new BpeModel(vocab, merges, {
        byteLevel,
        unkToken: o.unk_token === undefined || o.unk_token === null ? null : str(o.unk_token, `${path}.unk_token`),
        fuseUnk: bool(o.fuse_unk, `${path}.fuse_unk`, false),
        ignoreMerges: bool(o.ignore_merges, `${path}.ignore_merges`, false),
      });
    } catch (e) {
      fail(path, (e as Error).message);
    }
  }
  fail(`${path}.type`, `model ${JSON.stringify(type)} is not supported (Unigram and BPE are)`);
}

function usesByteLevel(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Json;
  if (o.type === 'ByteLevel') return true;
  return o.type === 'Sequence' && Array.isArray(o.pretokenizers) && o.pretokenizers.some(usesByteLevel);
}

function templatePieces(v: unknown, path: string): TemplatePiece[] {
  return arr(v, path).map((item, i) => {
    const o = obj(item, `${path}[${i}]`);
    if (o.SpecialToken !== undefined) {
      const s = obj(o.SpecialToken, `${path}[${i}].SpecialToken`);
      return { special: str(s.id, `${path}[${i}].SpecialToken.id`), typeId: int(s.type_id ?? 0, `${path}[${i}].SpecialToken.type_id`) };
    }
    const s = obj(o.Sequence, `${path}[${i}].Sequence`);
    const id = str(s.id, `${path}[${i}].Sequence.id`);
    if (id !== 'A' && id !== 'B') fail(`${path}[${i}].Sequence.id`, 'expected "A" or "B"');
    return { sequence: id, typeId: int(s.type_id ?? 0, `${path}[${i}].Sequence.type_id`) };
  });
}

function template(o: Json, path: string): PostProcessor {
  const specials = new Map<string, number[]>();
  for (const [k, sv] of Object.entries(obj(o.special_tokens, `${path}.special_tokens`))) {
    const s = obj(sv, `${path}.special_tokens.${k}`);
    specials.set(k, arr(s.ids, `${path}.special_tokens.${k}.ids`).map((id, i) => int(id, `${path}.special_tokens.${k}.ids[${i}]`)));
  }
  try {
    return new TemplateProcessor(templatePieces(o.single, `${path}.single`), templatePieces(o.pair, `${path}.pair`), specials);
  } catch (e) {
    fail(path, (e as Error).message);
  }
}

function postProcessor(v: unknown, path: string): PostProcessor | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  switch (type) {
    case 'TemplateProcessing':
      return template(o, path);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = arr(o.cls, `${path}.cls`);
      const sep = arr(o.sep, `${path}.sep`);
      return new ClsSepProcessor(int(cls[1], `${path}.cls[1]`), int(sep[1], `${path}.sep[1]`), type === 'RobertaProcessing');
    }
    default:
      fail(`${path}.type`, `post-processor ${JSON.stringify(type)} is not supported`);
  }
}

function decoder(v: unknown, path: string): Decoder | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  switch (type) {
    case 'Sequence':
      return new SequenceDecoder(arr(o.decoders, `${path}.decoders`).map((d, i) => decoder(d, `${path}.decoders[${i}]`) as Decoder));
    case 'Metaspace':
      return new MetaspaceDecoder(replacementChar(o, path), prependScheme(o, path) !== 'never');
    case 'ByteLevel':
      return new ByteLevelDecoder();
    case 'Replace':
      return new ReplaceDecoder(pattern(o.pattern, `${path}.pattern`), str(o.content, `${path}.content`));
    case 'ByteFallback':
      return new ByteFallbackDecoder();
    case 'Fuse':
      return new FuseDecoder();
    case 'Strip':
      return new StripDecoder(str(o.content, `${path}.content`), int(o.start ?? 0, `${path}.start`), int(o.stop ?? 0, `${path}.stop`));
    default:
      fail(`${path}.type`, `decoder ${JSON.stringify(type)} is not supported`);
  }
}

function addedTokens(v: unknown, path: string): AddedToken[] {
  if (v === undefined || v === null) return [];
  return arr(v, path).map((item, i) => {
    const o = obj(item, `${path}[${i}]`);
    const p = `${path}[${i}]`;
    return addedToken(int(o.id, `${p}.id`), str(o.content, `${p}.content`), {
      lstrip: bool(o.lstrip, `${p}.lstrip`, false),
      rstrip: bool(o.rstrip, `${p}.rstrip`, false),
      singleWord: bool(o.single_word, `${p}.single_word`, false),
      normalized: bool(o.normalized, `${p}.normalized`, true),
      special: bool(o.special, `${p}.special`, false),
    });
  });
}

/**
 * Builds a fast-semantics tokenizer from a parsed tokenizer.json. Every unsupported component is a
 * {@link TokenizerError} naming its JSON path; nothing is silently ignored.
 */
export function engineFromTokenizerJson(json: unknown): FastEngine {
  const root = obj(json, 'tokenizer.json');
  // `truncation` and `padding` stored in the file are deliberately not applied: as in transformers, the
  // call options decide.
  const byteLevel = usesByteLevel(root.pre_tokenizer);
  const m = model(root.model, 'model', byteLevel);
  const added = addedTokens(root.added_tokens, 'added_tokens');
  const pp = postProcessor(root.post_processor, 'post_processor');
  return new FastEngine({
    normalizer: normalizer(root.normalizer, 'normalizer'),
    preTokenizer: preTokenizer(root.pre_tokenizer, 'pre_tokenizer'),
    model: m,
    postProcessor: pp ?? new TemplateProcessor([{ sequence: 'A', typeId: 0 }], [{ sequence: 'A', typeId: 0 }, { sequence: 'B', typeId: 1 }], new Map()),
    decoder: decoder(root.decoder, 'decoder'),
    addedTokens: added,
  });
}
