// A leaf of io/: the resolver, the sources and the loaders import it; it imports nothing from io/.
import { InputError } from '../errors.js';
import { describe, type OptionKeys } from '../options.js';

/** One progress report of a file download or read. */
export interface LoadProgress {
  /** The file being read, relative to the checkpoint folder (e.g. `model.safetensors`). */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** The file size, when known; the last event of a file always has `total === loaded`. */
  total?: number;
}

/** A `fetch`-compatible function, e.g. one that adds an `Authorization` header or serves from a cache. */
export type FetchLike = (url: string, init: { signal?: AbortSignal }) => Promise<Response>;

/** Options shared by every `fromPretrained`. */
export interface LoadOptions {
  /** Hugging Face Hub base URL for Hub ids; default `https://huggingface.co`. */
  hubUrl?: string;
  /** Branch, tag or commit of a Hub repository; default `main`. */
  revision?: string;
  /** Replaces the global `fetch` for URLs and Hub ids; it must resolve to a `Response` (a 404 means "no such file"). */
  fetch?: FetchLike;
  /** Called as bytes arrive, per file. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the load; the pending promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Every key of {@link LoadOptions}, for the option checks of the public entry points. */
export const LOAD_OPTION_KEYS: OptionKeys<LoadOptions> = { hubUrl: true, revision: true, fetch: true, onProgress: true, signal: true };

/**
 * Checks the value types of {@link LoadOptions} (unknown keys are the entry points' concern), so that a
 * wrong type fails up front, naming the option, instead of deep inside a download.
 *
 * @throws {InputError} naming the option whose value has the wrong type
 */
export function checkLoadOptions(options: LoadOptions): void {
  if (options === null || typeof options !== 'object') throw new InputError(`options must be an object, got ${describe(options)}`);
  const { hubUrl, revision, fetch, onProgress, signal } = options as Record<keyof LoadOptions, unknown>;
  const wrong = (name: keyof LoadOptions, want: string, got: unknown): InputError => new InputError(`options.${name} must be ${want}, got ${describe(got)}`);
  if (hubUrl !== undefined && typeof hubUrl !== 'string') throw wrong('hubUrl', 'a string (the Hub base URL)', hubUrl);
  if (revision !== undefined && typeof revision !== 'string') throw wrong('revision', 'a string (a branch, tag or commit)', revision);
  if (fetch !== undefined && typeof fetch !== 'function') throw wrong('fetch', 'a fetch-compatible function', fetch);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw wrong('onProgress', 'a function', onProgress);
  if (signal !== undefined && !isAbortSignal(signal)) throw wrong('signal', 'an AbortSignal', signal);
}

// What the loaders (throwIfAborted) and fetch (aborted, addEventListener) use of a signal.
function isAbortSignal(x: unknown): x is AbortSignal {
  const s = x as Partial<AbortSignal> | null;
  return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.throwIfAborted === 'function' && typeof s.addEventListener === 'function';
}
