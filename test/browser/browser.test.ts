// The published browser bundle (dist/browser/index.js, built by `npm run build`) in real headless Chromium:
// same numbers as the fixtures and as Node, on the page and in a module Web Worker.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/index.js';
import { FIXTURES, FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { startStaticServer } from './static-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'browser', 'index.js');
const CHROMIUM = '/usr/bin/chromium';
const CASE = 'v3_base_like';

let server: Awaited<ReturnType<typeof startStaticServer>>;
let browser: BrowserContext;
let page: Page;
let userDataDir: string;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first (npm test does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  server = await startStaticServer(
    { '/dist/': join(ROOT, 'dist'), '/fixtures/': FIXTURES, '/examples/': join(ROOT, 'examples') },
    { '/': '<!doctype html><title>deberta browser test</title>', '/isolated/': '<!doctype html><title>isolated</title>' },
  );
  userDataDir = mkdtempSync(join(tmpdir(), 'deberta-chromium-'));
  // A fresh user-data dir per run; never a downloaded browser.
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/`);
  // The bundle as a page would load it: a module script. (Test callbacks below are serialised into the page,
  // so they reach the library through window.deberta rather than an import the test runner would rewrite.)
  await page.addScriptTag({ type: 'module', content: "import * as deberta from '/dist/browser/index.js'; window.deberta = deberta;" });
  await page.waitForFunction(() => 'deberta' in window);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('browser bundle in headless Chromium', () => {
  const inputs = readJsonFile<FixtureInputs>(join(modelDir(CASE), 'inputs.json'));
  const expected = readJsonFile<FixtureExpected>(join(modelDir(CASE), 'expected.json'));
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };

  it('loads a model by URL and matches the fixture and Node on the page', async () => {
    const got = await page.evaluate(async ({ modelUrl, batch }) => {
      const { DebertaModel } = (window as unknown as { deberta: typeof import('../../src/index.js') }).deberta;
      const model = await DebertaModel.fromPretrained(modelUrl);
      const out = await model.forward(batch);
      return { shape: out.lastHiddenState.shape as number[], data: Array.from(out.lastHiddenState.data as Float32Array) };
    }, { modelUrl: `${server.url}/fixtures/models/${CASE}`, batch });
    expect(got.shape).toEqual([2, inputs.input_ids[0].length, 32]);
    const data = Float32Array.from(got.data);
    expect(maxAbsDiff(data, expected.last_hidden_state)).toBeLessThan(1e-4);
    const node = await (await DebertaModel.fromPretrained(modelDir(CASE))).forward(batch);
    expect(maxAbsDiff(data, Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-6);
  });

  it('runs the same in a module Web Worker (examples/browser/deberta-worker.js)', async () => {
    const got = await page.evaluate(async ({ workerUrl, lib, modelUrl, batch }) => {
      const worker = new Worker(workerUrl, { type: 'module' });
      let next = 0;
      const call = (msg: object) => new Promise<{ shape: number[]; data: Float32Array; modelType: string }>((resolve, reject) => {
        const id = ++next;
        worker.addEventListener('message', function on({ data }) {
          if (data.id !== id) return;
          worker.removeEventListener('message', on);
          if (data.error) reject(new Error(data.error)); else resolve(data.result);
        });
        worker.postMessage({ id, ...msg });
      });
      const loaded = await call({ type: 'load', libraryUrl: lib, modelUrl });
      const out = await call({ type: 'forward', inputs: batch });
      const missing = await call({ type: 'load', libraryUrl: lib, modelUrl: modelUrl + '-missing' }).catch((e: Error) => e.message);
      worker.terminate();
      return { modelType: loaded.modelType, shape: out.shape, data: Array.from(out.data), missing };
    }, {
      workerUrl: `${server.url}/examples/browser/deberta-worker.js`,
      lib: `${server.url}/dist/browser/index.js`,
      modelUrl: `${server.url}/fixtures/models/${CASE}`,
      batch,
    });
    expect(got.modelType).toBe('deberta-v2');
    expect(maxAbsDiff(Float32Array.from(got.data), expected.last_hidden_state)).toBeLessThan(1e-4);
    expect(got.missing).toMatch(/WeightsError: .*config\.json/);
  });

  it('tokenizes, runs the model and a fill-mask pipeline by URL, equal to the fixtures and to Node', async () => {
    const text = 'Paris is the [MASK] of France.';
    const got = await page.evaluate(async ({ modelUrl, text }) => {
      const { AutoTokenizer, DebertaModel, pipeline } = (window as unknown as { deberta: typeof import('../../src/index.js') }).deberta;
      const tokenizer = await AutoTokenizer.fromPretrained(modelUrl);
      const enc = tokenizer(text);
      const model = await DebertaModel.fromPretrained(modelUrl);
      const out = await model.forward(enc);
      const fill = await pipeline('fill-mask', modelUrl);
      return { ids: enc.inputIds[0], hidden: Array.from(out.lastHiddenState.data), fill: (await fill(text)) as Array<{ score: number; token: number; tokenStr: string; sequence: string }> };
    }, { modelUrl: `${server.url}/examples/deberta-v3-tiny-mlm`, text });
    const { AutoTokenizer, pipeline } = await import('../../src/index.js');
    const dir = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
    const tokenizer = await AutoTokenizer.fromPretrained(dir);
    const enc = tokenizer(text);
    expect(got.ids).toEqual(enc.inputIds[0]);
    const node = await (await DebertaModel.fromPretrained(dir)).forward(enc);
    expect(maxAbsDiff(Float32Array.from(got.hidden), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-6);
    // transformers' fill-mask output for this text and model (pipeline fixture fill-mask/en-default)
    const cases = readJsonFile<{ cases: Array<{ id: string; output: Array<{ score: number; token: number; token_str: string; sequence: string }> }> }>(
      join(FIXTURES, 'pipelines', 'cases.json'),
    ).cases;
    const want = cases.find((c) => c.id === 'fill-mask/en-default')!.output;
    expect(got.fill.map((r) => r.token)).toEqual(want.map((r) => r.token));
    expect(got.fill.map((r) => r.sequence)).toEqual(want.map((r) => r.sequence));
    got.fill.forEach((r, i) => expect(Math.abs(r.score - want[i].score)).toBeLessThan(1e-4));
    const nodeFill = (await (await pipeline('fill-mask', dir))(text)) as Array<{ score: number }>;
    expect(got.fill.map((r) => ({ ...r, score: 0 }))).toEqual(nodeFill.map((r) => ({ ...r, score: 0 })));
    got.fill.forEach((r, i) => expect(Math.abs(r.score - nodeFill[i].score)).toBeLessThanOrEqual(1e-6));
  });

  it('runs on Web Worker threads in a cross-origin isolated page, equal to the fixture', async () => {
    const isolated = await browser.newPage();
    try {
      await isolated.goto(`${server.url}/isolated/`);
      await isolated.addScriptTag({ type: 'module', content: "import * as deberta from '/dist/browser/index.js'; window.deberta = deberta;" });
      await isolated.waitForFunction(() => 'deberta' in window);
      const got = await isolated.evaluate(async ({ modelUrl, batch }) => {
        const lib = (window as unknown as { deberta: typeof import('../../src/index.js') }).deberta;
        const model = await lib.DebertaModel.fromPretrained(modelUrl, { numThreads: 2 });
        const backend = model.backend as import('../../src/index.js').WasmBackend;
        await backend.ready();
        const out = await model.forward(batch);
        const result = {
          isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
          threads: backend.numThreads,
          defaultThreads: lib.defaultNumThreads(),
          data: Array.from(out.lastHiddenState.data),
        };
        model.dispose();
        return result;
      }, { modelUrl: `${server.url}/fixtures/models/${CASE}`, batch });
      expect(got.isolated).toBe(true);
      expect(got.threads).toBe(2);
      expect(got.defaultThreads).toBeGreaterThanOrEqual(1);
      expect(maxAbsDiff(Float32Array.from(got.data), expected.last_hidden_state)).toBeLessThan(1e-4);
      // and the page that is not isolated gets one thread by default
      expect(await page.evaluate(() => (window as unknown as { deberta: { defaultNumThreads(): number } }).deberta.defaultNumThreads())).toBe(1);
    } finally {
      await isolated.close();
    }
  });
});
