import { InputError, WeightsError } from '../errors.js';
import { describe, type OptionKeys } from '../options.js';
import { urlSource } from './http.js';

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

/**
 * Where a checkpoint's files come from: a local folder, a URL of a folder or a Hub repository.
 * `read` returns the bytes of one file, or `null` if the source has no such file.
 */
export interface FileSource {
  /** A human-readable name (path, URL or Hub id) used in error messages. */
  readonly name: string;
  read(file: string): Promise<Uint8Array | null>;
  /** The full path or URL of `file`, for error messages. */
  where?(file: string): string;
}

/** The default Hugging Face Hub. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

// `owner/name` or a bare legacy name such as `deberta-base`; dots-only segments are paths, not ids.
const HUB_ID = /^(?!\.{1,2}(\/|$))[\w.-]+(\/(?!\.{1,2}$)[\w.-]+)?$/;

/**
 * Resolves what a user passed to `fromPretrained` into a {@link FileSource}:
 * - an `http(s)://` URL (string or `URL` object) is a folder on a web server;
 * - in Node, a string naming an existing folder is that folder, and so is anything that looks like a
 *   path (`./x`, `../x`, `/x`, `C:\x`, `file://...`, a `file:` `URL` object);
 * - otherwise `owner/name` is a Hub repository, fetched as `${hubUrl}/${id}/resolve/${revision}/${file}`;
 * - a {@link FileSource} is used as it is.
 *
 * In browsers only `fetch` is used; there a path-like string is resolved against the page URL.
 *
 * @throws {InputError} when `source` is none of these, or an option has the wrong type (see {@link checkLoadOptions})
 * @throws {WeightsError} when a local folder does not exist or cannot be read in this environment
 */
export async function resolveSource(source: string | URL | FileSource, options: LoadOptions = {}): Promise<FileSource> {
  checkLoadOptions(options);
  if (source instanceof URL) {
    if (!/^(https?|file):$/.test(source.protocol)) {
      throw new InputError(`source: a URL must be http:, https: or file:, got ${source.protocol} (${source.href})`);
    }
    source = source.href;
  }
  if (typeof source !== 'string') {
    const object = source !== null && typeof source === 'object' && !Array.isArray(source);
    if (object && typeof (source as Partial<FileSource>).read === 'function') return source;
    throw new InputError(
      `source must be a folder path, a URL (string or URL object), a Hub id or a FileSource with read(file); got ${describe(source)}${object ? ' without a read function' : ''}`,
    );
  }
  options.signal?.throwIfAborted();
  if (/^https?:\/\//i.test(source)) return urlSource(source, source, options);
  const hubId = HUB_ID.test(source);
  if (isNode()) {
    const nodeFs = await import('./node-fs.js');
    if (!hubId || (await nodeFs.isFolder(source))) return nodeFs.folderSource(source, options);
  } else if (!hubId) {
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    if (page === undefined || /^file:/i.test(source)) throw new WeightsError(`${source}: local folders can only be read in Node; pass a URL or a Hub id`);
    return urlSource(new URL(source, page).href, source, options);
  }
  const hub = (options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const revision = encodeURIComponent(options.revision ?? 'main');
  return urlSource(`${hub}/${source}/resolve/${revision}/`, source, options);
}

/** Whether Node built-ins are available. Checked at call time so that bundlers keep `node-fs` out of reach. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** The full path or URL of `file` in `source`, for error messages. */
export function where(source: FileSource, file: string): string {
  return source.where?.(file) ?? `${source.name}/${file}`;
}

/** Reads a file that must exist. */
export async function readRequired(source: FileSource, file: string): Promise<Uint8Array> {
  const bytes = await source.read(file);
  if (bytes === null) throw new WeightsError(`${where(source, file)}: missing file ${file}`);
  return bytes;
}

/** Parses JSON bytes, with a {@link WeightsError} naming `file` on failure. */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WeightsError(`${file}: not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeightsError(`${file}: invalid JSON (${(e as Error).message})`);
  }
}

/** Reads and parses a JSON file that must exist. */
export async function readJson(source: FileSource, file: string): Promise<unknown> {
  return parseJsonBytes(await readRequired(source, file), where(source, file));
}
