import { WeightsError } from '../errors.js';
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
  /** Replaces the global `fetch` for URLs and Hub ids. */
  fetch?: FetchLike;
  /** Called as bytes arrive, per file. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the load; the pending promise rejects with `signal.reason`. */
  signal?: AbortSignal;
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
 * - an `http(s)://` URL is a folder on a web server;
 * - in Node, a string naming an existing folder is that folder, and so is anything that looks like a
 *   path (`./x`, `../x`, `/x`, `C:\x`, `file://...`);
 * - otherwise `owner/name` is a Hub repository, fetched as `${hubUrl}/${id}/resolve/${revision}/${file}`.
 *
 * In browsers only `fetch` is used; there a path-like string is resolved against the page URL.
 */
export async function resolveSource(source: string | FileSource, options: LoadOptions = {}): Promise<FileSource> {
  if (typeof source !== 'string') return source;
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
