// The browser bundle (dist/browser/index.js) in headless Chromium where the page setup differs: a page whose
// Content-Security-Policy forbids compiling WebAssembly (no 'wasm-unsafe-eval') computes on the TypeScript
// kernels with one console notice, and a module service worker runs the WebAssembly kernels; both equal Node.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/index.js';
import { FIXTURES, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { startStaticServer } from './static-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const CASE = 'v3_base_like';

/** A module service worker: answers a message { modelUrl, batch } with the forward's output. */
const SERVICE_WORKER = `
import { DebertaModel } from '/dist/browser/index.js';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  event.waitUntil((async () => {
    try {
      const model = await DebertaModel.fromPretrained(event.data.modelUrl);
      const out = await model.forward(event.data.batch);
      event.source.postMessage({ backend: model.backend.name, data: Array.from(out.lastHiddenState.data) });
    } catch (e) {
      event.source.postMessage({ error: String(e) });
    }
  })());
});`;

let server: Awaited<ReturnType<typeof startStaticServer>>;
let browser: BrowserContext;
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'browser', 'index.js'))) throw new Error('dist/browser is missing: run `npm run build` first (npm test does)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), 'deberta-sw-'));
  writeFileSync(join(dir, 'sw.js'), SERVICE_WORKER);
  server = await startStaticServer(
    { '/dist/': join(ROOT, 'dist'), '/fixtures/': FIXTURES, '/sw/': dir },
    { '/': '<!doctype html><title>deberta</title>', '/sw/page.html': '<!doctype html><title>sw</title>', '/csp/': '<!doctype html><title>strict CSP</title>' },
  );
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('browser bundle under a strict CSP and in a service worker', () => {
  const inputs = readJsonFile<FixtureInputs>(join(modelDir(CASE), 'inputs.json'));
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
  const nodeOut = async () => Array.from((await (await DebertaModel.fromPretrained(modelDir(CASE))).forward(batch)).lastHiddenState.data);

  it('a page whose CSP forbids compiling WebAssembly gets the TypeScript kernels and one notice', async () => {
    const page = await browser.newPage();
    try {
      const warnings: string[] = [];
      page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
      await page.goto(`${server.url}/csp/`);
      // Compiling is really refused on this page.
      expect(await page.evaluate(() => { try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return 'compiled'; } catch (e) { return String(e); } }))
        .toMatch(/CompileError|EvalError|unsafe-eval/);
      await page.addScriptTag({ type: 'module', content: "import * as deberta from '/dist/browser/index.js'; window.deberta = deberta;" });
      await page.waitForFunction(() => 'deberta' in window);
      const got = await page.evaluate(async ({ modelUrl, batch }) => {
        const { DebertaModel } = (window as unknown as { deberta: typeof import('../../src/index.js') }).deberta;
        const a = await DebertaModel.fromPretrained(modelUrl);
        await DebertaModel.fromPretrained(modelUrl);
        const out = await a.forward(batch);
        return { backend: a.backend.name, data: Array.from(out.lastHiddenState.data as Float32Array) };
      }, { modelUrl: `${server.url}/fixtures/models/${CASE}`, batch });
      expect(got.backend).toBe('js');
      expect(maxAbsDiff(Float32Array.from(got.data), await nodeOut())).toBeLessThanOrEqual(1e-5);
      const notices = warnings.filter((w) => w.startsWith('deberta:'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain("'wasm-unsafe-eval'");
    } finally {
      await page.close();
    }
  });

  it('a module service worker runs the WebAssembly kernels, equal to Node', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/sw/page.html`);
      const got = await page.evaluate(async ({ modelUrl, batch }) => {
        const reg = await navigator.serviceWorker.register('/sw/sw.js', { type: 'module', scope: '/sw/' });
        const sw = reg.active ?? await new Promise<ServiceWorker>((resolve) => {
          const w = (reg.installing ?? reg.waiting)!;
          w.addEventListener('statechange', () => { if (w.state === 'activated') resolve(w); });
        });
        return new Promise<{ backend?: string; data?: number[]; error?: string }>((resolve) => {
          navigator.serviceWorker.addEventListener('message', (e) => resolve(e.data), { once: true });
          sw.postMessage({ modelUrl, batch });
        });
      }, { modelUrl: `${server.url}/fixtures/models/${CASE}`, batch });
      expect(got.error).toBeUndefined();
      expect(got.backend).toMatch(/^wasm-/);
      expect(maxAbsDiff(Float32Array.from(got.data!), await nodeOut())).toBeLessThanOrEqual(1e-5);
    } finally {
      await page.close();
    }
  });
});
