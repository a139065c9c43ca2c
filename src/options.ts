import { InputError } from './errors.js';

/**
 * Every key of an options type, each mapped to `true`. Declaring the valid keys this way makes the
 * compiler fail when an option is added to the interface but not to its list.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/** The keys of several option types at once (e.g. `LoadOptions & ComputeOptions`). */
export function mergeKeys<A, B>(a: OptionKeys<A>, b: OptionKeys<B>): OptionKeys<A & B> {
  return { ...a, ...b } as OptionKeys<A & B>;
}

/**
 * Checks an options argument of a public call: `undefined` means no options; anything else must be a plain
 * object whose keys are all in `keys`. An unknown key (`numThread`, `dtype`) is an {@link InputError} naming
 * it, the closest valid key when one is near, and the valid ones, instead of silently running on defaults.
 *
 * @param options what the caller passed
 * @param keys the valid keys
 * @param where the call, as the message names it (e.g. `DebertaModel.fromPretrained`)
 * @returns the options, or `{}` for `undefined`
 */
export function checkOptions<T>(options: T | undefined, keys: OptionKeys<T>, where: string): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InputError(`${where}: options must be an object, got ${describe(options)}`);
  }
  const valid = Object.keys(keys);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(keys, key)) continue;
    const near = closest(key, valid);
    throw new InputError(
      `${where}: unknown option "${key}"${near === null ? '' : ` (did you mean "${near}"?)`}; valid options: ${valid.sort().join(', ')}`,
    );
  }
  return options;
}

/**
 * An integer option, `undefined` when absent. Checked before any default or `Math.min` is applied, because
 * JavaScript would otherwise coerce `'3'` to 3 in one place and compare it as a string in another.
 */
export function intOption(value: unknown, name: string, where: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new InputError(`${where}: ${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

/** A boolean option, `undefined` when absent; `'false'` or `0` would otherwise flip the meaning silently. */
export function boolOption(value: unknown, name: string, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InputError(`${where}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** An option with a fixed set of values, `undefined` when absent. */
export function choiceOption<T extends string | boolean>(value: unknown, name: string, choices: readonly T[], where: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly unknown[]).includes(value)) {
    const list = choices.map((c) => (typeof c === 'string' ? JSON.stringify(c) : String(c))).join(', ');
    throw new InputError(`${where}: ${name} must be one of ${list}, got ${describe(value)}`);
  }
  return value as T;
}

/** A value as an error message shows it: `null`, `42`, `a string`, `an array`, ... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
    case 'number':
      return Number.isNaN(value) ? 'NaN' : String(value);
    case 'bigint':
      return `the BigInt ${value}n`;
    case 'object':
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
    default:
      return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  }
}

/**
 * A value as JSON where it has a JSON form (`"gelu"`, `[1, 2]`), else as {@link describe} words; never throws
 * (BigInts and cycles have no JSON) and never shows NaN as `null`.
 */
export function show(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    // no JSON form: fall through
  }
  return describe(value);
}

/** The valid key within edit distance 2 of `key` (case-insensitive), if any. */
function closest(key: string, valid: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const v of valid) {
    const d = editDistance(key.toLowerCase(), v.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [v, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
