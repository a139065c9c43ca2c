import { WeightsError } from '../errors.js';
import type { FetchLike, FileSource, LoadOptions } from './source.js';

/**
 * A {@link FileSource} over a folder URL: `read(file)` fetches `${base}/${file}`.
 * A 404 means the file does not exist (`null`); any other failure is a {@link WeightsError} naming the URL.
 *
 * @param base the folder URL
 * @param name how the source is named in error messages
 */
export function urlSource(base: string, name: string, options: LoadOptions): FileSource {
  const folder = base.endsWith('/') ? base : `${base}/`;
  const url = (file: string): string => folder + file.split('/').map(encodeURIComponent).join('/');
  return {
    name,
    where: url,
    read: (file) => fetchBytes(url(file), file, options),
  };
}

async function fetchBytes(url: string, file: string, options: LoadOptions): Promise<Uint8Array | null> {
  const { signal } = options;
  signal?.throwIfAborted();
  const fetchFn: FetchLike | undefined = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (fetchFn === undefined) throw new WeightsError(`${url}: no fetch function is available; pass options.fetch`);
  let res: Response;
  try {
    res = await fetchFn(url, signal === undefined ? {} : { signal });
  } catch (e) {
    signal?.throwIfAborted();
    throw new WeightsError(`${url}: request failed (${(e as Error).message})`);
  }
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    const hint = res.status === 401 || res.status === 403
      ? '; the repository may be private, gated or misspelled (pass a fetch that adds an Authorization header)'
      : '';
    throw new WeightsError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${hint}`);
  }
  return readBody(res, url, file, options);
}

/**
 * Streams a response body into one preallocated buffer when its length is known, so that a file of
 * N bytes costs N bytes plus one network chunk; without a usable length, chunks are joined at the end.
 */
async function readBody(res: Response, url: string, file: string, options: LoadOptions): Promise<Uint8Array> {
  const { signal, onProgress } = options;
  // With a content-encoding the header counts the encoded bytes, not the ones we receive.
  const encoding = res.headers.get('content-encoding');
  const header = res.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header.trim()) && (encoding === null || encoding === 'identity')
    ? Number(header.trim())
    : undefined;
  onProgress?.({ file, loaded: 0, total });
  if (res.body === null) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ file, loaded: bytes.length, total: bytes.length });
    return bytes;
  }
  let buffer = total === undefined ? undefined : allocate(total, url);
  let chunks: Uint8Array[] | undefined = buffer === undefined ? [] : undefined;
  let loaded = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        signal?.throwIfAborted();
        throw new WeightsError(`${url}: download failed after ${loaded} bytes (${(e as Error).message})`);
      }
      signal?.throwIfAborted();
      if (step.done) break;
      const chunk = step.value;
      if (buffer !== undefined && loaded + chunk.length > buffer.length) {
        // The server sent more than it announced: fall back to collecting chunks.
        chunks = [buffer.subarray(0, loaded)];
        buffer = undefined;
      }
      if (buffer !== undefined) buffer.set(chunk, loaded);
      else chunks?.push(chunk);
      loaded += chunk.length;
      onProgress?.({ file, loaded, total });
    }
  } catch (e) {
    // Closes the connection instead of leaving the rest of the body unread.
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
  if (buffer !== undefined && loaded < buffer.length) {
    throw new WeightsError(`${url}: download ended after ${loaded} of ${buffer.length} bytes`);
  }
  const bytes = buffer ?? join(chunks ?? [], loaded, url);
  if (total === undefined || total !== loaded) onProgress?.({ file, loaded, total: loaded });
  return bytes;
}

function allocate(size: number, url: string): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw new WeightsError(`${url}: cannot allocate ${size} bytes for the download`);
  }
}

function join(chunks: Uint8Array[], length: number, url: string): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = allocate(length, url);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
