import { addedToken, type AddedToken } from './added-tokens.js';
import type { HfTokenizerConfig, SpecialRole, TokenSpec } from './config.js';

/** transformers' defaults for DeBERTa's special tokens. */
const DEFAULT_SPECIAL: Record<Exclude<SpecialRole, 'bos' | 'eos'>, string> = {
  cls: '[CLS]',
  sep: '[SEP]',
  pad: '[PAD]',
  unk: '[UNK]',
  mask: '[MASK]',
};

/** Every added token with its id, and the role tokens among them. */
export interface ResolvedAddedTokens {
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
): ResolvedAddedTokens {
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
  const byRole = {} as ResolvedAddedTokens['byRole'];
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
