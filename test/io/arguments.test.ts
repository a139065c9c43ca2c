// A source or load option of the wrong type is an InputError naming it; a fetch override that resolves to
// something other than a Response is a WeightsError naming the URL.
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { FileSource } from '../../src/io/file-source.js';
import { checkLoadOptions, LOAD_OPTION_KEYS, type LoadOptions } from '../../src/io/load-options.js';
import { resolveSource } from '../../src/io/resolve.js';
import { expectSameTensors, fileReply, modelDir, startServer } from './helpers.js';

const V1 = modelDir('v1_base');
const ACCEPTED = 'source must be a folder path, a URL (string or URL object), a Hub id or a FileSource with read(file); got';

async function rejection(load: Promise<unknown>): Promise<Error> {
  return load.then(() => new Error('resolved without error'), (e: unknown) => e as Error);
}

describe('source', () => {
  const bad: Array<[unknown, string]> = [
    [null, 'null'],
    [undefined, 'undefined'],
    [42, '42'],
    [[], 'an array'],
    [{}, 'an object (Object) without a read function'],
    [{ name: 'x', read: 'config.json' }, 'an object (Object) without a read function'],
  ];
  it.each(bad)('%j is an InputError saying what is accepted', async (source, got) => {
    for (const load of [resolveSource(source as string), loadCheckpoint(source as string)]) {
      const err = await rejection(load);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe(`${ACCEPTED} ${got}`);
    }
  });

  it('a URL object with another protocol is an InputError', async () => {
    const err = await rejection(resolveSource(new URL('ftp://example.com/m')));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('source: a URL must be http:, https: or file:, got ftp: (ftp://example.com/m)');
  });

  it('a file: URL object is a local folder', async () => {
    const ckpt = await loadCheckpoint(pathToFileURL(V1));
    expectSameTensors(ckpt.tensors, (await loadCheckpoint(V1)).tensors);
  });

  describe('an http URL object is a folder URL', () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    beforeAll(async () => {
      server = await startServer((path) => fileReply(V1, path.replace(/^\/m\//, '')));
    });
    afterAll(async () => {
      await server?.close();
    });

    it('loads the same tensors as the folder', async () => {
      const ckpt = await loadCheckpoint(new URL(`${server.url}/m`));
      expect(ckpt.source).toBe(`${server.url}/m`);
      expectSameTensors(ckpt.tensors, (await loadCheckpoint(V1)).tensors);
      expect(server.requests).toEqual(['/m/config.json', '/m/model.safetensors']);
    });
  });

  it('a FileSource is used as it is', async () => {
    const source: FileSource = { name: 'custom', read: async () => null };
    expect(await resolveSource(source)).toBe(source);
  });
});

describe('load options', () => {
  it('LOAD_OPTION_KEYS lists every LoadOptions key', () => {
    expect(Object.keys(LOAD_OPTION_KEYS).sort()).toEqual(['fetch', 'hubUrl', 'onProgress', 'revision', 'signal']);
  });

  it('accepts valid values and an empty object', () => {
    expect(() => checkLoadOptions({})).not.toThrow();
    expect(() => checkLoadOptions({ hubUrl: 'https://h', revision: 'v1', fetch, onProgress: () => undefined, signal: new AbortController().signal })).not.toThrow();
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['hubUrl', { hubUrl: 42 }, 'options.hubUrl must be a string (the Hub base URL), got 42'],
    ['revision', { revision: { ref: 'main' } }, 'options.revision must be a string (a branch, tag or commit), got an object (Object)'],
    ['fetch', { fetch: 'https://proxy' }, 'options.fetch must be a fetch-compatible function, got the string "https://proxy"'],
    ['onProgress', { onProgress: true }, 'options.onProgress must be a function, got a boolean'],
    ['signal', { signal: { aborted: false } }, 'options.signal must be an AbortSignal, got an object (Object)'],
    ['signal', { signal: new AbortController() }, 'options.signal must be an AbortSignal, got an object (AbortController)'],
  ];
  it.each(bad)('a wrong %s is an InputError naming it', async (_name, options, message) => {
    expect(() => checkLoadOptions(options as LoadOptions)).toThrow(new InputError(message));
    const err = await rejection(loadCheckpoint('microsoft/deberta-base', options as LoadOptions));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(message);
  });

  it('options that are not an object are an InputError', () => {
    expect(() => checkLoadOptions(null as unknown as LoadOptions)).toThrow(new InputError('options must be an object, got null'));
  });
});

describe('a fetch override that does not resolve to a Response', () => {
  const url = 'https://example.invalid/m/config.json';
  const cases: Array<[string, unknown, string]> = [
    ['null', null, 'null'],
    ['a string', 'hello', 'the string "hello"'],
    ['an object without ok, headers or arrayBuffer', { status: 200 }, 'an object (Object)'],
    ['a Response-shaped object without arrayBuffer', { status: 200, ok: true, headers: new Headers() }, 'an object (Object)'],
  ];
  it.each(cases)('%s is a WeightsError naming the URL', async (_name, value, got) => {
    const err = await rejection(loadCheckpoint('https://example.invalid/m', { fetch: async () => value as Response }));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toBe(`${url}: options.fetch must resolve to a Response, got ${got}`);
  });

  it('a Response-like object whose body is not a web stream (node-fetch) is read with arrayBuffer()', async () => {
    const like = { status: 200, ok: true, headers: new Headers({ 'content-length': '3' }), body: { pipe: () => undefined }, arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer };
    const src = await resolveSource('https://example.invalid/m', { fetch: async () => like as unknown as Response });
    expect(await src.read('f')).toEqual(new Uint8Array([1, 2, 3]));
  });
});
