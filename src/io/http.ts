import { WeightsError } from '../errors.js';
import { describe } from '../options.js';
import type { FileSource } from './file-source.js';
import type { FetchLike, LoadOptions } from './load-options.js';

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
  let res: unknown;
  try {
    res = await fetchFn(url, signal === undefined ? {} : { signal });
  } catch (e) {
    signal?.throwIfAborted();
    throw new WeightsError(`${url}: request failed (${(e as Error).message})`);
  }
  if (!isResponse(res)) {
    await discard(res);
    throw new WeightsError(`${url}: ${options.fetch === undefined ? 'fetch' : 'options.fetch'} must resolve to a Response, got ${describe(res)}`);
  }
  if (res.status === 404) {
    await discard(res);
    return null;
  }
  if (!res.ok) {
    await discard(res);
    const hint = res.status === 401 || res.status === 403
      ? '; the repository may be private, gated or misspelled (pass a fetch that adds an Authorization header)'
      : '';
    throw new WeightsError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${hint}`);
  }
  return readBody(res, url, file, options);
}

// What this module uses of a Response; checked because options.fetch is user code.
function isResponse(x: unknown): x is Response {
  const r = x as Partial<Response> | null;
  return typeof r === 'object' && r !== null && typeof r.status === 'number' && typeof r.ok === 'boolean'
    && typeof r.headers?.get === 'function' && typeof r.arrayBuffer === 'function';
}

// Responses of fetch polyfills may carry a Node stream as their body; those are read with arrayBuffer().
function webBody(res: unknown): ReadableStream<Uint8Array> | null {
  const body = (res as { body?: Partial<ReadableStream<Uint8Array>> | null } | null | undefined)?.body;
  return typeof body?.getReader === 'function' ? (body as ReadableStream<Uint8Array>) : null;
}

/** Closes the connection of a response whose body will not be read. */
async function discard(res: unknown): Promise<void> {
  try {
    await webBody(res)?.cancel();
  } catch {
    // A body that cannot be cancelled (locked, already errored) has no connection left to close.
  }
}

/**
 * Streams a response body into one preallocated buffer when its length is known, so that a file of
 * N bytes costs N bytes plus one network chunk; without a usable length, chunks are joined at the end.
 * On any failure (allocation, abort, read error, short body, a throwing onProgress) the body is
 * cancelled, which closes the connection instead of leaving it open with the rest of the body unread.
 */
async function readBody(res: Response, url: string, file: string, options: LoadOptions): Promise<Uint8Array> {
  const { signal, onProgress } = options;
  // With a content-encoding the header counts the encoded bytes, not the ones we receive.
  const encoding = res.headers.get('content-encoding');
  const header = res.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header.trim()) && (encoding === null || encoding === 'identity')
    ? Number(header.trim())
    : undefined;
  const body = webBody(res);
  if (body === null) return readWhole(res, url, file, options, total);
  const reader = body.getReader();
  // A fetch override may ignore the signal; cancelling ends a pending read, which then throws the reason.
  const onAbort = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    signal?.throwIfAborted();
    onProgress?.({ file, loaded: 0, total });
    let buffer = total === undefined ? undefined : allocate(total, url);
    let chunks: Uint8Array[] | undefined = buffer === undefined ? [] : undefined;
    let loaded = 0;
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
    if (buffer !== undefined && loaded < buffer.length) {
      throw new WeightsError(`${url}: download ended after ${loaded} of ${buffer.length} bytes`);
    }
    const bytes = buffer ?? join(chunks ?? [], loaded, url);
    if (total === undefined || total !== loaded) onProgress?.({ file, loaded, total: loaded });
    return bytes;
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

/** A body without a web stream: no chunks, so progress is only its start and end. */
async function readWhole(res: Response, url: string, file: string, { signal, onProgress }: LoadOptions, total: number | undefined): Promise<Uint8Array> {
  onProgress?.({ file, loaded: 0, total });
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    signal?.throwIfAborted();
    throw new WeightsError(`${url}: download failed (${(e as Error).message})`);
  }
  signal?.throwIfAborted();
  onProgress?.({ file, loaded: bytes.length, total: bytes.length });
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
