// The `workerd` / `edge-light` entry (dist/edge/index.js) bundled the way an edge bundler does, run in a
// Node process where compiling WebAssembly from bytes is forbidden, as in Cloudflare Workers and Vercel
// Edge ("Wasm code generation disallowed by embedder"): it runs the prebuilt kernels; the default entry
// falls back to the TypeScript kernels with one notice; no WebAssembly at all is no crash; a bundle whose
// `.wasm` imports did not arrive as modules fails naming the module.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebertaModel } from '../../src/index.js';
import { FIXTURES, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';
import { startStaticServer } from '../browser/static-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EDGE = join(ROOT, 'dist', 'edge');
const CASE = 'v3_base_like';
const RELAXED = '--experimental-wasm-relaxed-simd';
const FLAGS = spawnSync(process.execPath, [RELAXED, '-e', '0']).status === 0 ? [RELAXED] : [];

/**
 * `.wasm?module` imports as the runtime hands them over: `compiled` gives the module the host compiled at
 * upload (globalThis.__kernels, filled before dynamic compilation is switched off); `bytes` is esbuild's
 * binary loader, a bundle that forgot to keep them as modules.
 */
function wasmImports(mode: 'compiled' | 'bytes'): Plugin {
  return {
    name: 'wasm-imports',
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (a) => ({ path: join(a.resolveDir, a.path.replace(/\?module$/, '')), namespace: mode === 'bytes' ? 'file' : 'wasm-module' }));
      b.onLoad({ filter: /.*/, namespace: 'wasm-module' }, (a) => ({ contents: `export default globalThis.__kernels[${JSON.stringify(basename(a.path))}];`, loader: 'js' }));
    },
  };
}

/** The prologue of every child: precompile the kernels, then forbid compiling bytes (or remove WebAssembly). */
const PROLOGUE = `
import { readdirSync, readFileSync } from 'node:fs';
// Node's fetch compiles its HTTP parser (WebAssembly) on first use: let it before the switch-off.
await (await fetch(process.env.WARM_URL)).arrayBuffer();
const dir = ${JSON.stringify(EDGE)};
globalThis.__kernels = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => [f, new WebAssembly.Module(readFileSync(dir + '/' + f))]));
const denied = () => new WebAssembly.CompileError('WebAssembly.Module(): Wasm code generation disallowed by embedder');
WebAssembly.Module = new Proxy(WebAssembly.Module, { construct() { throw denied(); } });
WebAssembly.compile = async () => { throw denied(); };
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (m, i) => { if (m instanceof WebAssembly.Module) return instantiate(m, i); throw denied(); };
if (process.env.NO_WASM) delete globalThis.WebAssembly;
const warnings = [];
console.warn = (m) => warnings.push(String(m));
`;

/** Bundles `app` with `conditions` and runs it in a child Node; returns its JSON output or its error. */
async function run(dir: string, conditions: string[], mode: 'compiled' | 'bytes', app: string, env: Record<string, string> = {}): Promise<{ out?: Record<string, unknown>; error: string }> {
  const entry = join(dir, `app-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(entry, app);
  const result = await build({
    entryPoints: [entry], bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', mainFields: ['module', 'main'], conditions,
    write: false, logLevel: 'silent', plugins: [wasmImports(mode)], loader: { '.wasm': 'binary' },
  });
  const bundled = entry.replace(/\.js$/, '.bundle.mjs');
  writeFileSync(bundled, result.outputFiles[0].text);
  const main = join(dir, `main-${basename(bundled)}`);
  writeFileSync(main, `${PROLOGUE}\ntry { const out = await (await import(${JSON.stringify(bundled)})).default(); console.log(JSON.stringify({ ...out, warnings })); }\ncatch (e) { console.log(JSON.stringify({ thrown: String(e && e.message), warnings })); }\n`);
  // Asynchronously: the model server runs in this process.
  const env2 = { ...process.env, WARM_URL: `${server.url}/fixtures/models/${CASE}/config.json`, ...env };
  const child = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [...FLAGS, main], { encoding: 'utf8', env: env2, timeout: 60_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr }));
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return { out: line.startsWith('{') ? JSON.parse(line) : undefined, error: child.stderr };
}

let server: Awaited<ReturnType<typeof startStaticServer>>;
let dir: string;

beforeAll(async () => {
  server = await startStaticServer({ '/fixtures/': FIXTURES });
  dir = mkdtempSync(join(tmpdir(), 'deberta-edge-'));
  // The app imports the package by name, so its "exports" conditions decide the entry.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'deberta'), 'dir');
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('edge entry where compiling WebAssembly from bytes is forbidden', () => {
  const inputs = readJsonFile<FixtureInputs>(join(modelDir(CASE), 'inputs.json'));
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
  const app = () => `
    import { DebertaModel } from 'deberta';
    export default async () => {
      const a = await DebertaModel.fromPretrained(${JSON.stringify(`${server.url}/fixtures/models/${CASE}`)});
      const b = await DebertaModel.fromPretrained(${JSON.stringify(`${server.url}/fixtures/models/${CASE}`)});
      const out = await a.forward(${JSON.stringify(batch)});
      await b.forward(${JSON.stringify(batch)});
      return { backend: a.backend.name, threads: a.backend.numThreads ?? 1, data: Array.from(out.lastHiddenState.data) };
    };`;

  it('runs the prebuilt WebAssembly kernels on one thread, same values as Node, no notice', async () => {
    const { out, error } = await run(dir, ['workerd', 'worker', 'browser'], 'compiled', app());
    expect(out, error).toBeDefined();
    expect(out!.thrown).toBeUndefined();
    expect(out!.backend).toBe(FLAGS.length > 0 ? 'wasm-relaxed-simd' : 'wasm-simd');
    expect(out!.threads).toBe(1);
    expect(out!.warnings).toEqual([]);
    const node = await (await DebertaModel.fromPretrained(modelDir(CASE))).forward(batch);
    expect(maxAbsDiff(Float32Array.from(out!.data as number[]), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-5);
  });

  it('the same under the edge-light condition (Vercel Edge, Next.js middleware)', async () => {
    const { out, error } = await run(dir, ['edge-light', 'browser'], 'compiled', app());
    expect(out?.backend, error).toMatch(/^wasm-/);
  });

  it('the default entry there falls back to the TypeScript kernels with one notice naming the fix', async () => {
    const { out, error } = await run(dir, ['browser'], 'compiled', app());
    expect(out?.backend, error).toBe('js');
    expect(out!.warnings).toHaveLength(1);
    expect((out!.warnings as string[])[0]).toMatch(/TypeScript kernels.*disallowed by embedder.*'workerd' or 'edge-light'/s);
    const node = await (await DebertaModel.fromPretrained(modelDir(CASE))).forward(batch);
    expect(maxAbsDiff(Float32Array.from(out!.data as number[]), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-5);
  });

  it('a runtime without WebAssembly imports the edge entry and computes on the TypeScript kernels, one notice', async () => {
    const { out, error } = await run(dir, ['workerd', 'browser'], 'compiled', app(), { NO_WASM: '1' });
    expect(out?.thrown, error).toBeUndefined();
    expect(out!.backend).toBe('js');
    expect(out!.warnings).toHaveLength(1);
    expect((out!.warnings as string[])[0]).toContain('this runtime has no WebAssembly');
  });

  it('a bundle that turned the .wasm imports into bytes fails at import, naming the module and how to bundle it', async () => {
    const { out, error } = await run(dir, ['workerd', 'browser'], 'bytes', app());
    expect(out?.thrown, error).toMatch(/\.\/gemm-simd\.wasm\?module .*bundled as Uint8Array, not a WebAssembly\.Module: .*CompiledWasm/);
  });
});
