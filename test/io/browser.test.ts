// The browser build: bundled without node-fs (as the package's browser entry will be) and run in a context with
// no `process`, it loads through fetch only, and resolves paths against the page URL.
import { join } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Checkpoints from '../../src/io/checkpoint.js';
import type * as JsonWeights from '../../src/io/json-weights.js';
import { fileReply, modelDir, startServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startServer>>;
let io: typeof Checkpoints & Pick<typeof JsonWeights, 'saveJson'>;
let bundle: string;

beforeAll(async () => {
  server = await startServer((path) => {
    const hub = /^\/hub\/microsoft\/([^/]+)\/resolve\/main\/(.+)$/.exec(path);
    if (hub !== null) return fileReply(modelDir(hub[1]), hub[2]);
    const site = /^\/site\/models\/([^/]+)\/(.+)$/.exec(path);
    if (site !== null) return fileReply(modelDir(site[1]), site[2]);
    return { status: 404 };
  });
  const out = await build({
    stdin: {
      contents: "export { loadCheckpoint } from './checkpoint.js'; export { saveJson } from './json-weights.js';",
      resolveDir: join(import.meta.dirname, '..', '..', 'src', 'io'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'io',
    write: false,
    plugins: [{
      name: 'browser-node-fs',
      setup(b) {
        b.onResolve({ filter: /\/node-fs\.js$/ }, (args) => ({ path: join(args.resolveDir, 'node-fs.browser.ts') }));
      },
    }],
  });
  bundle = out.outputFiles[0].text;
  const context = createContext({
    fetch, Response, ReadableStream, AbortController, AbortSignal, DOMException, TextDecoder, TextEncoder, URL, console, setTimeout,
    location: { href: `${server.url}/site/index.html` },
  });
  io = runInContext(`${bundle}; io`, context) as typeof io;
});

afterAll(async () => {
  await server?.close();
});

describe('browser build', () => {
  it('contains no Node built-in', () => {
    expect(bundle).not.toMatch(/["']node:/);
    expect(bundle).not.toContain('fs/promises');
  });

  it('loads a Hub id with fetch', async () => {
    const ckpt = await io.loadCheckpoint('microsoft/v1_base', { hubUrl: `${server.url}/hub` });
    expect(ckpt.tensors.size).toBe(52);
    expect(ckpt.format).toBe('safetensors');
  });

  it('loads pytorch_model.bin from a folder URL', async () => {
    const ckpt = await io.loadCheckpoint('microsoft/v1_base', {
      hubUrl: `${server.url}/hub`,
      fetch: (url, init) => (url.endsWith('/model.safetensors') ? Promise.resolve(new Response('', { status: 404 })) : fetch(url, init)),
    });
    expect(ckpt.format).toBe('pytorch');
    expect(ckpt.tensors.get('encoder.rel_embeddings.weight')?.shape).toEqual([96, 32]);
  });

  it('resolves ./ and / paths against the page URL', async () => {
    expect((await io.loadCheckpoint('./models/v1_base')).source).toBe('./models/v1_base');
    expect((await io.loadCheckpoint('/site/models/v3_base_like')).tensors.size).toBeGreaterThan(0);
    expect(server.requests).toContain('/site/models/v3_base_like/model.safetensors');
  });

  it('refuses file: URLs with a clear error', async () => {
    await expect(io.loadCheckpoint('file:///models/x')).rejects.toThrow('local folders can only be read in Node');
  });

  it('bundles saveJson, which refuses with a clear error', async () => {
    await expect(io.saveJson('model.json', {}, new Map())).rejects.toThrow('saveJson needs Node; use toJson in browsers');
  });
});
