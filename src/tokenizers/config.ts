import { TokenizerError } from '../errors.js';
import type { AddedToken } from './added-tokens.js';

/** The special-token roles transformers knows. */
export type SpecialRole = 'cls' | 'sep' | 'pad' | 'unk' | 'mask' | 'bos' | 'eos';

/**
 * A token string with the matching flags the file states (absent flags take the defaults of the tokenizer
 * class), as written in tokenizer_config.json, special_tokens_map.json or added_tokens.json.
 */
export type TokenSpec = { content: string } & Partial<Omit<AddedToken, 'id' | 'content'>>;

/** What tokenizer_config.json, special_tokens_map.json and added_tokens.json say. */
export interface HfTokenizerConfig {
  doLowerCase: boolean;
  splitByPunct: boolean;
  addPrefixSpace: boolean;
  modelMaxLength: number | null;
  cleanUpTokenizationSpaces: boolean | null;
  paddingSide: 'left' | 'right';
  truncationSide: 'left' | 'right';
  /** Role -> token (defaults `[CLS]` `[SEP]` `[PAD]` `[UNK]` `[MASK]`; bos/eos only if given). */
  special: Partial<Record<SpecialRole, TokenSpec>>;
  /** Added tokens with explicit ids (added_tokens.json, `added_tokens_decoder`). */
  added: Map<number, TokenSpec>;
  additionalSpecial: string[];
}

const ROLES: readonly SpecialRole[] = ['cls', 'sep', 'pad', 'unk', 'mask', 'bos', 'eos'];

/** transformers writes this when a model has no length limit; treated as "not set". */
const HUGE = 1e18;

function tokenSpec(v: unknown, file: string, key: string, special: boolean): TokenSpec | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return { content: v };
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.content !== 'string') throw new TokenizerError(`${file}: ${key}.content must be a string`);
    const spec: TokenSpec = { content: o.content };
    const flag = (name: string, field: 'lstrip' | 'rstrip' | 'singleWord' | 'normalized' | 'special'): void => {
      const f = o[name];
      if (f === undefined || f === null) return;
      if (typeof f !== 'boolean') throw new TokenizerError(`${file}: ${key}.${name} must be a boolean`);
      spec[field] = f;
    };
    flag('lstrip', 'lstrip');
    flag('rstrip', 'rstrip');
    flag('single_word', 'singleWord');
    flag('normalized', 'normalized');
    flag('special', 'special');
    if (special && spec.special === undefined) spec.special = true;
    return spec;
  }
  throw new TokenizerError(`${file}: ${key} must be a string or an AddedToken object`);
}

function asObject(v: unknown, file: string): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new TokenizerError(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * Merges the three optional transformers config files. tokenizer_config.json wins over
 * special_tokens_map.json, as in `from_pretrained`.
 */
export function parseHfConfig(tokenizerConfig: unknown, specialTokensMap: unknown, addedTokensJson: unknown): HfTokenizerConfig {
  const tc = asObject(tokenizerConfig, 'tokenizer_config.json');
  const sm = asObject(specialTokensMap, 'special_tokens_map.json');
  const at = asObject(addedTokensJson, 'added_tokens.json');
  const boolField = (name: string, fallback: boolean): boolean => {
    const v = tc[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw new TokenizerError(`tokenizer_config.json: ${name} must be a boolean`);
    return v;
  };
  const side = (name: string): 'left' | 'right' => {
    const v = tc[name];
    if (v === undefined || v === null) return 'right';
    if (v !== 'left' && v !== 'right') throw new TokenizerError(`tokenizer_config.json: ${name} must be "left" or "right"`);
    return v;
  };
  let modelMaxLength: number | null = null;
  if (typeof tc.model_max_length === 'number' && tc.model_max_length > 0 && tc.model_max_length < HUGE) {
    modelMaxLength = Math.floor(tc.model_max_length);
  }
  const special: Partial<Record<SpecialRole, TokenSpec>> = {};
  for (const role of ROLES) {
    const key = `${role}_token`;
    const spec = (tokenSpec(tc[key], 'tokenizer_config.json', key, true)) ?? (tokenSpec(sm[key], 'special_tokens_map.json', key, true));
    if (spec) special[role] = spec;
  }
  const added = new Map<number, TokenSpec>();
  for (const [content, id] of Object.entries(at)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`added_tokens.json: id of ${JSON.stringify(content)} must be a non-negative integer`);
    }
    added.set(id, (tokenSpec(content, 'added_tokens.json', content, false)) as TokenSpec);
  }
  const decoder = asObject(tc.added_tokens_decoder, 'tokenizer_config.json added_tokens_decoder');
  for (const [idText, v] of Object.entries(decoder)) {
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 0) throw new TokenizerError(`tokenizer_config.json: added_tokens_decoder key ${idText} is not an id`);
    added.set(id, (tokenSpec(v, 'tokenizer_config.json', `added_tokens_decoder.${idText}`, false)) as TokenSpec);
  }
  const additional = tc.additional_special_tokens ?? sm.additional_special_tokens ?? [];
  const additionalSpecial = Array.isArray(additional)
    ? additional.map((t) => (typeof t === 'string' ? t : (tokenSpec(t, 'additional_special_tokens', 'item', true) as TokenSpec).content))
    : [];
  const clean = tc.clean_up_tokenization_spaces;
  return {
    doLowerCase: boolField('do_lower_case', false),
    splitByPunct: boolField('split_by_punct', false),
    addPrefixSpace: boolField('add_prefix_space', false),
    modelMaxLength,
    cleanUpTokenizationSpaces: typeof clean === 'boolean' ? clean : null,
    paddingSide: side('padding_side'),
    truncationSide: side('truncation_side'),
    special,
    added,
    additionalSpecial,
  };
}
