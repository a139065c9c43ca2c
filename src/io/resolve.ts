// node-fs is imported lazily and only when isNode(), so other runtimes never touch it and Node loads its
// built-ins only for a local folder.
import { InputError, WeightsError } from '../errors.js';
import { describe } from '../options.js';
import type { FileSource } from './file-source.js';
import { urlSource } from './http.js';
import { checkLoadOptions, type LoadOptions } from './load-options.js';

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
