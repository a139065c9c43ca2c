// Loading from folders, folder URLs and Hub ids through a local HTTP server that mimics the Hub layout.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { readJson, readRequired } from '../../src/io/file-source.js';
import type { LoadProgress } from '../../src/io/load-options.js';
import { resolveSource } from '../../src/io/resolve.js';
import { DebertaModel } from '../../src/model/deberta-model.js';
import { expectSameTensors, fileReply, modelDir, readBytes, startServer, type Reply } from './helpers.js';

const V1 = modelDir('v1_base');
const SIZE = readBytes(join(V1, 'model.safetensors')).length;

let server: Awaited<ReturnType<typeof startServer>>;
let reference: Awaited<ReturnType<typeof loadCheckpoint>>;

beforeAll(async () => {
  reference = await loadCheckpoint(V1);
  server = await startServer((path): Reply => {
    // Hub layout: /<owner>/<name>/resolve/<revision>/<file>
    const hub = /^\/hub\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (hub !== null) {
      const [owner, name, revision, file] = hub.slice(1).map(decodeURIComponent);
      if (owner === 'private') return { status: 401, body: new TextEncoder().encode('Repository not found') };
      if (owner !== 'microsoft' || !['main', 'refs/pr/1'].includes(revision)) return { status: 404 };
      // A repository like the official microsoft/* ones: pytorch_model.bin only.
      if (name === 'bin_only') return file === 'model.safetensors' ? { status: 404 } : fileReply(modelDir('v1_base'), file);
      return fileReply(modelDir(name), file);
    }
    const plain = /^\/(plain|chunked|slow|broken)\/([^/]+)\/(.+)$/.exec(path);
    if (plain !== null) {
      const [, mode, name, file] = plain;
      const reply = fileReply(name === 'fp16' ? join(modelDir('v3_base_like'), 'fp16') : modelDir(name), file);
      if (reply.status === 404) return reply;
      if (mode === 'chunked') return { ...reply, chunked: true, slow: { chunk: 10_000, delayMs: 0 } };
      if (mode === 'slow') return { ...reply, slow: { chunk: 4096, delayMs: 20 } };
      if (mode === 'broken' && file === 'model.safetensors') return { status: 500 };
      return reply;
    }
    return { status: 404 };
  });
});

afterAll(async () => {
  await server?.close();
});

describe('sources', () => {
  it('loads a folder URL and gives the same tensors and model as the local folder', async () => {
    const ckpt = await loadCheckpoint(`${server.url}/plain/v1_base`);
    expect(ckpt.source).toBe(`${server.url}/plain/v1_base`);
    expectSameTensors(ckpt.tensors, reference.tensors);
    const model = await DebertaModel.fromPretrained(`${server.url}/plain/v1_base/`);
    expect(model.config.hiddenSize).toBe(32);
  });

  it('loads a Hub id from hubUrl/<id>/resolve/<revision>/<file>', async () => {
    const ckpt = await loadCheckpoint('microsoft/v1_base', { hubUrl: `${server.url}/hub/` });
    expectSameTensors(ckpt.tensors, reference.tensors);
    expect(server.requests).toContain('/hub/microsoft/v1_base/resolve/main/config.json');
    expect(server.requests).toContain('/hub/microsoft/v1_base/resolve/main/model.safetensors');
  });

  it('passes the revision, URL-encoded as one path segment', async () => {
    const ckpt = await loadCheckpoint('microsoft/v1_base', { hubUrl: `${server.url}/hub`, revision: 'refs/pr/1' });
    expect(ckpt.tensors.size).toBe(reference.tensors.size);
    await expect(loadCheckpoint('microsoft/v1_base', { hubUrl: `${server.url}/hub`, revision: 'nope' })).rejects.toThrow(
      `${server.url}/hub/microsoft/v1_base/resolve/nope/config.json: missing file config.json`,
    );
  });

  it('falls back to pytorch_model.bin when there is no model.safetensors (404 is "absent", not an error)', async () => {
    const before = server.requests.length;
    const ckpt = await loadCheckpoint('microsoft/bin_only', { hubUrl: `${server.url}/hub` });
    expect(ckpt.format).toBe('pytorch');
    expectSameTensors(ckpt.tensors, reference.tensors);
    const base = '/hub/microsoft/bin_only/resolve/main/';
    expect(server.requests.slice(before)).toEqual([
      `${base}config.json`,
      `${base}model.safetensors`,
      `${base}model.safetensors.index.json`,
      `${base}pytorch_model.bin`,
    ]);
  });

  it('reports progress per file, ending at the total', async () => {
    const events: LoadProgress[] = [];
    await loadCheckpoint(`${server.url}/plain/v1_base`, { onProgress: (e) => events.push({ ...e }) });
    const weights = events.filter((e) => e.file === 'model.safetensors');
    expect(weights[0]).toEqual({ file: 'model.safetensors', loaded: 0, total: SIZE });
    expect(weights.at(-1)).toEqual({ file: 'model.safetensors', loaded: SIZE, total: SIZE });
    for (let i = 1; i < weights.length; i++) expect(weights[i].loaded).toBeGreaterThanOrEqual(weights[i - 1].loaded);
    expect(events.some((e) => e.file === 'config.json' && e.loaded === e.total)).toBe(true);
  });

  it('streams bodies without content-length, ending with total = loaded', async () => {
    const events: LoadProgress[] = [];
    const ckpt = await loadCheckpoint(`${server.url}/chunked/v1_base`, { onProgress: (e) => events.push({ ...e }) });
    expectSameTensors(ckpt.tensors, reference.tensors);
    const weights = events.filter((e) => e.file === 'model.safetensors');
    expect(weights.length).toBeGreaterThan(3);
    expect(weights[1].total).toBeUndefined();
    expect(weights.at(-1)).toEqual({ file: 'model.safetensors', loaded: SIZE, total: SIZE });
  });

  it('reports progress for local folders too', async () => {
    const events: LoadProgress[] = [];
    await loadCheckpoint(V1, { onProgress: (e) => events.push({ ...e }) });
    expect(events.filter((e) => e.file === 'model.safetensors').at(-1)).toEqual({ file: 'model.safetensors', loaded: SIZE, total: SIZE });
  });

  it('abort stops a download in flight and rejects with the signal reason', async () => {
    const controller = new AbortController();
    let seen = 0;
    const started = Date.now();
    const load = loadCheckpoint(`${server.url}/slow/v1_base`, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.file === 'model.safetensors' && e.loaded > 0 && seen++ === 0) controller.abort();
      },
    });
    await expect(load).rejects.toMatchObject({ name: 'AbortError' });
    // The full slow download would take 161448 / 4096 * 20 ms = 0.8 s.
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('an already aborted signal rejects before any request', async () => {
    const before = server.requests.length;
    const reason = new Error('stop');
    await expect(loadCheckpoint(`${server.url}/plain/v1_base`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests.length).toBe(before);
  });

  it('abort also stops a local folder read', async () => {
    await expect(loadCheckpoint(V1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a missing required file names the URL', async () => {
    const err = await loadCheckpoint(`${server.url}/plain/nothing-here`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toBe(`${server.url}/plain/nothing-here/config.json: missing file config.json`);
    const src = await resolveSource(`${server.url}/plain/v1_base`);
    await expect(readRequired(src, 'tokenizer.json')).rejects.toThrow(`${server.url}/plain/v1_base/tokenizer.json: missing file tokenizer.json`);
    await expect(readJson(src, 'config.json')).resolves.toMatchObject({ hidden_size: 32 });
  });

  it('a folder without weights says what it looked for', async () => {
    await expect(loadCheckpoint(`${server.url}/plain/log_buckets`, {})).rejects.toThrow('missing file config.json');
  });

  it('HTTP errors other than 404 are WeightsErrors with the status and URL', async () => {
    await expect(loadCheckpoint(`${server.url}/broken/v1_base`)).rejects.toThrow(`${server.url}/broken/v1_base/model.safetensors: HTTP 500`);
    const err = await loadCheckpoint('private/model', { hubUrl: `${server.url}/hub` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(/resolve\/main\/config\.json: HTTP 401 .*private, gated or misspelled/);
  });

  it('network failures are WeightsErrors naming the URL', async () => {
    await expect(loadCheckpoint('http://127.0.0.1:1/x')).rejects.toThrow('http://127.0.0.1:1/x/config.json: request failed');
  });

  it('a fetch override sees every request (auth headers, caches)', async () => {
    const seen: string[] = [];
    const ckpt = await loadCheckpoint('microsoft/v1_base', {
      hubUrl: 'https://hub.invalid',
      fetch: async (url, init) => {
        seen.push(url);
        return fetch(url.replace('https://hub.invalid', `${server.url}/hub`), init);
      },
    });
    expect(ckpt.tensors.size).toBe(52);
    expect(seen).toEqual(['https://hub.invalid/microsoft/v1_base/resolve/main/config.json', 'https://hub.invalid/microsoft/v1_base/resolve/main/model.safetensors']);
  });

  it('a download shorter than its content-length is an error, never a partial file', async () => {
    const body = new Uint8Array(100);
    const short = new Response(new ReadableStream({
      start(c) {
        c.enqueue(body.subarray(0, 40));
        c.close();
      },
    }), { headers: { 'content-length': '100' } });
    const src = await resolveSource('https://example.invalid/m', { fetch: async () => short });
    await expect(src.read('model.safetensors')).rejects.toThrow('https://example.invalid/m/model.safetensors: download ended after 40 of 100 bytes');
  });
});

describe('response bodies whose length header cannot be trusted', () => {
  const respond = (body: Uint8Array, headers: Record<string, string>) => async () =>
    new Response(new ReadableStream({
      start(c) {
        for (let i = 0; i < body.length; i += 7) c.enqueue(body.slice(i, i + 7));
        c.close();
      },
    }), { headers });
  const body = Uint8Array.from({ length: 100 }, (_, i) => i);

  it('a body longer than its content-length is still read whole', async () => {
    const events: LoadProgress[] = [];
    const src = await resolveSource('https://example.invalid/m', { fetch: respond(body, { 'content-length': '10' }), onProgress: (e) => events.push({ ...e }) });
    expect(await src.read('f')).toEqual(body);
    expect(events.at(-1)).toEqual({ file: 'f', loaded: 100, total: 100 });
  });

  it('with a content-encoding, content-length is not taken as the size', async () => {
    const events: LoadProgress[] = [];
    const src = await resolveSource('https://example.invalid/m', { fetch: respond(body, { 'content-length': '40', 'content-encoding': 'gzip' }), onProgress: (e) => events.push({ ...e }) });
    expect(await src.read('f')).toEqual(body);
    expect(events[0]).toEqual({ file: 'f', loaded: 0, total: undefined });
    expect(events.at(-1)).toEqual({ file: 'f', loaded: 100, total: 100 });
  });
});

describe('what a string means', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deberta-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an existing local folder wins over a Hub id of the same shape', async () => {
    mkdirSync(join(dir, 'owner', 'name'), { recursive: true });
    writeFileSync(join(dir, 'owner', 'name', 'config.json'), '{"a": 1}');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const src = await resolveSource('owner/name', { hubUrl: 'http://127.0.0.1:1' });
      expect(await readJson(src, 'config.json')).toEqual({ a: 1 });
    } finally {
      process.chdir(cwd);
    }
  });

  it('owner/name that is not a folder is a Hub id', async () => {
    const src = await resolveSource('microsoft/deberta-v3-base', { hubUrl: 'https://hub.example/', revision: 'v1.0' });
    expect(src.name).toBe('microsoft/deberta-v3-base');
    expect(src.where?.('config.json')).toBe('https://hub.example/microsoft/deberta-v3-base/resolve/v1.0/config.json');
    const def = await resolveSource('microsoft/deberta-v3-base');
    expect(def.where?.('model.safetensors')).toBe('https://huggingface.co/microsoft/deberta-v3-base/resolve/main/model.safetensors');
  });

  it.each(['./missing', '../missing', '/no/such/folder', 'a/b/c'])('%s is a path, and a missing one says so', async (p) => {
    await expect(resolveSource(p)).rejects.toThrow(`${p}: no such folder`);
  });

  it('relative paths and file: URLs reach local folders', async () => {
    const rel = relative(process.cwd(), V1);
    expect((await loadCheckpoint(rel.startsWith('.') ? rel : `./${rel}`)).tensors.size).toBe(52);
    expect((await loadCheckpoint(pathToFileURL(V1).href)).tensors.size).toBe(52);
  });
});
