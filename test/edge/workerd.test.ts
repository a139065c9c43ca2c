// The library in workerd (the Cloudflare Workers runtime, from npm through Miniflare, `cf: false` so nothing is
// fetched from Cloudflare): a worker bundled with esbuild the way wrangler bundles it (the `workerd` export
// condition; `.wasm?module` imports kept as modules and uploaded as compiled WebAssembly) loads models over HTTP
// from a server on 127.0.0.1, runs a forward and a fill-mask pipeline on the prebuilt WebAssembly kernels;
// results equal Node's. workerd forbids compiling WebAssembly from bytes, so this is the edge entry for real.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, DebertaModel, pipeline } from '../../src/index.js';
import { FIXTURES, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { startStaticServer } from '../browser/static-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CASE = 'v3_base_like';
const MLM = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const TEXT = 'Paris is the [MASK] of France.';

const WORKER = `
import { AutoTokenizer, DebertaModel, pipeline } from 'deberta';
let model, q8, fill;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/forward') {
      model ??= await DebertaModel.fromPretrained(env.MODEL_URL);
      const batch = await request.json();
      const n = Number(url.searchParams.get('n') ?? 1);
      let out;
      for (let i = 0; i < n; i++) out = await model.forward(batch);
      return Response.json({ backend: model.backend.name, threads: model.backend.numThreads ?? 1, data: Array.from(out.lastHiddenState.data) });
    }
    if (url.pathname === '/forward-q8') {
      q8 ??= await DebertaModel.fromPretrained(env.MODEL_URL, { dtype: 'q8' });
      const out = await q8.forward(await request.json());
      return Response.json({ backend: q8.backend.name, data: Array.from(out.lastHiddenState.data) });
    }
    if (url.pathname === '/fill') {
      fill ??= await pipeline('fill-mask', env.MLM_URL);
      const tokenizer = await AutoTokenizer.fromPretrained(env.MLM_URL);
      const text = url.searchParams.get('text');
      return Response.json({ ids: tokenizer(text).inputIds[0], fill: await fill(text) });
    }
    return new Response('not found', { status: 404 });
  },
};`;

/** What wrangler does with `.wasm?module` imports: an external module, uploaded as CompiledWasm. */
const wasmModules = (found: Set<string>): Plugin => ({
  name: 'wasm-modules',
  setup(b) {
    b.onResolve({ filter: /\.wasm\?module$/ }, (a) => {
      const file = join(a.resolveDir, a.path.replace(/\?module$/, ''));
      found.add(file);
      return { path: `./${basename(file)}`, external: true };
    });
  },
});

/** Bundles `source` as wrangler does (in `dir`, whose node_modules holds this package) and starts it in workerd. */
async function startWorker(source: string, bindings: Record<string, string>): Promise<Miniflare> {
  const name = `worker-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, `${name}.js`), source);
  const wasm = new Set<string>();
  const result = await build({
    entryPoints: [join(dir, `${name}.js`)], bundle: true, format: 'esm', target: 'es2022', platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], write: false, logLevel: 'silent',
    plugins: [wasmModules(wasm)],
  });
  expect([...wasm].map((f) => basename(f)).sort()).toEqual(
    ['attention-relaxed', 'attention-simd', 'gemm-relaxed', 'gemm-simd', 'gemmQ8-relaxed', 'gemmQ8-simd', 'norm-relaxed', 'norm-simd'].map((n) => `${n}.wasm`));
  const worker = new Miniflare({
    cf: false,
    compatibilityDate: '2025-01-01',
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: join(dir, `${name}.mjs`), contents: result.outputFiles[0].text },
      ...[...wasm].map((f) => ({ type: 'CompiledWasm' as const, path: join(dir, basename(f)), contents: readFileSync(f) })),
    ],
    bindings,
  });
  await worker.ready;
  return worker;
}

let server: Awaited<ReturnType<typeof startStaticServer>>;
let mf: Miniflare;
let dir: string;

beforeAll(async () => {
  server = await startStaticServer({ '/fixtures/': FIXTURES, '/examples/': join(ROOT, 'examples') });
  dir = mkdtempSync(join(tmpdir(), 'deberta-workerd-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'deberta'), 'dir');
  mf = await startWorker(WORKER, { MODEL_URL: `${server.url}/fixtures/models/${CASE}`, MLM_URL: `${server.url}/examples/deberta-v3-tiny-mlm` });
});

afterAll(async () => {
  await mf?.dispose();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('workerd (Cloudflare Workers) through Miniflare', () => {
  const inputs = readJsonFile<FixtureInputs>(join(modelDir(CASE), 'inputs.json'));
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };

  async function forward(body: object, n = 1): Promise<{ backend: string; threads: number; data: number[] }> {
    const res = await mf.dispatchFetch(`http://worker/forward?n=${n}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`worker: ${res.status} ${await res.text()}`);
    return (await res.json()) as { backend: string; threads: number; data: number[] };
  }

  it('runs a forward on the prebuilt WebAssembly kernels (one thread), equal to Node', async () => {
    const got = await forward(batch);
    expect(got.backend).toMatch(/^wasm-(relaxed-)?simd$/);
    expect(got.threads).toBe(1);
    const node = await (await DebertaModel.fromPretrained(modelDir(CASE))).forward(batch);
    expect(got.data).toHaveLength(node.lastHiddenState.data.length);
    expect(maxAbsDiff(Float32Array.from(got.data), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-5);
  });

  it('runs dtype q8 on the prebuilt int8 kernel, equal to Node', async () => {
    const res = await mf.dispatchFetch('http://worker/forward-q8', { method: 'POST', body: JSON.stringify(batch) });
    if (!res.ok) throw new Error(`worker: ${res.status} ${await res.text()}`);
    const got = (await res.json()) as { backend: string; data: number[] };
    const node = await (await DebertaModel.fromPretrained(modelDir(CASE), { dtype: 'q8' })).forward(batch);
    expect(maxAbsDiff(Float32Array.from(got.data), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-5);
  });

  it('tokenizes and runs a fill-mask pipeline, equal to Node', async () => {
    const res = await mf.dispatchFetch(`http://worker/fill?text=${encodeURIComponent(TEXT)}`);
    if (!res.ok) throw new Error(`worker: ${res.status} ${await res.text()}`);
    const got = (await res.json()) as { ids: number[]; fill: Array<{ score: number; token: number; tokenStr: string; sequence: string }> };
    expect(got.ids).toEqual((await AutoTokenizer.fromPretrained(MLM))(TEXT).inputIds[0]);
    const nodeFill = (await (await pipeline('fill-mask', MLM))(TEXT)) as typeof got.fill;
    expect(got.fill).toHaveLength(5);
    expect(got.fill.map((r) => ({ ...r, score: 0 }))).toEqual(nodeFill.map((r) => ({ ...r, score: 0 })));
    got.fill.forEach((r, i) => expect(Math.abs(r.score - nodeFill[i].score)).toBeLessThanOrEqual(1e-5));
  });

  it('runs examples/cloudflare-worker/worker.js, equal to Node', async () => {
    const example = await startWorker(readFileSync(join(ROOT, 'examples', 'cloudflare-worker', 'worker.js'), 'utf8'), { MODEL_URL: `${server.url}/examples/deberta-v3-tiny-mlm` });
    try {
      const res = await example.dispatchFetch(`http://worker/?text=${encodeURIComponent(TEXT)}`);
      const got = (await res.json()) as Array<{ score: number; token: number; sequence: string }>;
      const nodeFill = (await (await pipeline('fill-mask', MLM))(TEXT, { topK: 5 })) as typeof got;
      expect(got.map((r) => r.token)).toEqual(nodeFill.map((r) => r.token));
      got.forEach((r, i) => expect(Math.abs(r.score - nodeFill[i].score)).toBeLessThanOrEqual(1e-5));
      expect((await example.dispatchFetch('http://worker/')).status).toBe(400);
    } finally {
      await example.dispose();
    }
  });
});
