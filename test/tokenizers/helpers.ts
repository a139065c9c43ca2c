import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileSource } from '../../src/io/file-source.js';
import type { DebertaTokenizer } from '../../src/tokenizers/index.js';

/** The tokenizer fixtures copied from shared/fixtures/tokenizers (see the README there). */
export const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/tokenizers');
export const V3 = join(FIXTURES, 'deberta-v3');
export const V1 = join(FIXTURES, 'deberta-v1');

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** Code-point offset of a UTF-16 offset (the fixtures count code points). */
export function toCodePoints(text: string, units: Array<[number, number]>): Array<[number, number]> {
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) map[++i] = cp;
    cp++;
  }
  map[text.length] = cp;
  return units.map(([s, e]) => [map[s], map[e]]);
}

/**
 * A folder source with some files hidden and some added in memory, e.g. spm.model without its
 * tokenizer.json, plus the config files the Hub repository ships.
 */
export function folder(dir: string, extra: Record<string, string | Uint8Array> = {}, hide: string[] = []): FileSource {
  return {
    name: dir,
    async read(file: string): Promise<Uint8Array | null> {
      if (hide.includes(file)) return null;
      const x = extra[file];
      if (x !== undefined) return typeof x === 'string' ? new TextEncoder().encode(x) : x;
      try {
        return new Uint8Array(readFileSync(join(dir, file)));
      } catch {
        return null;
      }
    },
  };
}

/** The config files of microsoft/deberta-v3-base (no tokenizer.json there). */
export const V3_HUB_FILES = {
  'tokenizer_config.json': '{"do_lower_case": false, "vocab_type": "spm"}',
  'added_tokens.json': '{"[MASK]": 128000}',
};

export interface SpmCase {
  id: string;
  category: string;
  text: string;
  pieces: string[];
  ids: number[];
  ids_with_special: number[];
  token_type_ids: number[];
  fast_equal: boolean;
  fast?: { ids_with_special: number[]; tokens_with_special: string[] };
  fast_offsets: Array<[number, number]>;
}

export interface PairCase {
  id: string;
  a: string;
  b: string;
  ids: number[];
  token_type_ids: number[];
  attention_mask: number[];
  fast_equal: boolean;
  fast?: { ids: number[]; token_type_ids?: number[] };
}

export interface DecodeCase {
  id: string;
  ids: number[];
  decoded: string;
  fast_decoded: string;
  fast_decoded_keep_special: string;
  fast_ids?: number[] | null;
  fast_ids_fast_decoded?: string;
}

export interface BpeCase {
  id: string;
  text: string;
  tokens: string[];
  ids: number[];
  ids_with_special: number[];
  token_type_ids: number[];
}

/** Pair cases whose ids, token types or attention mask differ from the reference (empty when all match). */
export function pairFailures(tok: DebertaTokenizer, pairs: PairCase[]): string[] {
  const failures: string[] = [];
  for (const c of pairs) {
    const got = tok(c.a, c.b);
    if (JSON.stringify(got.inputIds[0]) !== JSON.stringify(c.ids)) failures.push(`${c.id}: ids`);
    else if (JSON.stringify(got.tokenTypeIds[0]) !== JSON.stringify(c.token_type_ids)) failures.push(`${c.id}: type ids`);
    else if (JSON.stringify(got.attentionMask[0]) !== JSON.stringify(c.attention_mask)) failures.push(`${c.id}: mask`);
  }
  return failures;
}

/** The three tokenizers most tests compare: v3 fast (tokenizer.json), v3 slow (spm.model), v1 BPE. */
export async function loadTokenizers(): Promise<{ fast: DebertaTokenizer; slow: DebertaTokenizer; v1: DebertaTokenizer }> {
  const { AutoTokenizer } = await import('../../src/tokenizers/index.js');
  return {
    fast: await AutoTokenizer.fromPretrained(V3),
    slow: await AutoTokenizer.fromPretrained(folder(V3, V3_HUB_FILES), { semantics: 'slow' }),
    v1: await AutoTokenizer.fromPretrained(V1),
  };
}
