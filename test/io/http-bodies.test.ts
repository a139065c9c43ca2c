// A failed download never leaves its connection open: the response body is cancelled on every error path.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import type { FetchLike } from '../../src/io/load-options.js';
import { resolveSource } from '../../src/io/resolve.js';

const HUGE = '99999999999999';

describe('a real server that announces a huge body and stalls', () => {
  // Each request's socket, resolved when the server side sees it close.
  const closed: Array<Promise<void>> = [];
  let url = '';
  const server = createServer((req, res: ServerResponse) => {
    closed.push(new Promise((resolve) => req.socket.once('close', () => resolve())));
    const chunked = req.url?.includes('chunked') ?? false;
    res.writeHead(200, chunked ? {} : { 'content-length': HUGE });
    // Some bytes so that the client sees a body, then nothing more: the download can only end by a close.
    res.write(new Uint8Array(64));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Whether the latest request's socket closes within a second. */
  const socketCloses = (): Promise<boolean> =>
    Promise.race([closed.at(-1)?.then(() => true) ?? Promise.resolve(false), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);

  it('a content-length that cannot be allocated is a WeightsError, and the connection closes', async () => {
    const src = await resolveSource(`${url}/huge`);
    const err = await src.read('model.safetensors').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toBe(`${url}/huge/model.safetensors: cannot allocate ${HUGE} bytes for the download`);
    expect(await socketCloses()).toBe(true);
  }, 5_000);

  it('an onProgress that throws mid-download rejects with its error, and the connection closes', async () => {
    const stop = new Error('enough');
    const src = await resolveSource(`${url}/chunked`, {
      onProgress: (e) => {
        if (e.loaded > 0) throw stop;
      },
    });
    await expect(src.read('model.safetensors')).rejects.toBe(stop);
    expect(await socketCloses()).toBe(true);
  }, 5_000);

  it('an abort mid-download rejects with the reason, and the connection closes', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by user');
    const src = await resolveSource(`${url}/chunked`, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.loaded > 0) setTimeout(() => controller.abort(reason), 20);
      },
    });
    await expect(src.read('model.safetensors')).rejects.toBe(reason);
    expect(await socketCloses()).toBe(true);
  }, 5_000);
});

describe('a fetch override whose body observes cancel', () => {
  /** A response whose body sends `sent` bytes, then stalls until cancelled. */
  function stalling(headers: Record<string, string>, sent = 8): { fetch: FetchLike; cancelled: () => boolean } {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        if (sent > 0) c.enqueue(new Uint8Array(sent));
      },
      pull: () => new Promise<void>(() => undefined),
      cancel() {
        cancelled = true;
      },
    });
    return { fetch: async () => new Response(body, { headers }), cancelled: () => cancelled };
  }

  it('is cancelled when its content-length cannot be allocated', async () => {
    const { fetch, cancelled } = stalling({ 'content-length': HUGE });
    const src = await resolveSource('https://example.invalid/m', { fetch });
    await expect(src.read('f')).rejects.toThrow(`https://example.invalid/m/f: cannot allocate ${HUGE} bytes for the download`);
    expect(cancelled()).toBe(true);
  });

  it('is cancelled when onProgress throws', async () => {
    const { fetch, cancelled } = stalling({ 'content-length': '100' });
    const stop = new Error('stop');
    const src = await resolveSource('https://example.invalid/m', { fetch, onProgress: () => { throw stop; } });
    await expect(src.read('f')).rejects.toBe(stop);
    expect(cancelled()).toBe(true);
  });

  it('is cancelled on abort even if the fetch ignores the signal, instead of waiting forever', async () => {
    const { fetch, cancelled } = stalling({});
    const controller = new AbortController();
    const reason = new Error('abort');
    const src = await resolveSource('https://example.invalid/m', { fetch, signal: controller.signal });
    const read = src.read('f');
    setTimeout(() => controller.abort(reason), 20);
    await expect(read).rejects.toBe(reason);
    expect(cancelled()).toBe(true);
  }, 5_000);

  it('is cancelled on an HTTP error status', async () => {
    let cancelled = false;
    const body = new ReadableStream({ cancel: () => void (cancelled = true) });
    const src = await resolveSource('https://example.invalid/m', { fetch: async () => new Response(body, { status: 503 }) });
    await expect(src.read('f')).rejects.toThrow('https://example.invalid/m/f: HTTP 503');
    expect(cancelled).toBe(true);
  });
});
