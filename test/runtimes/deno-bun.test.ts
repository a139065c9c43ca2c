// The built package (dist/, `npm run build`), imported by name as `deberta` from a node_modules folder, in
// Deno and in Bun (their binaries come from the npm packages `deno` and `bun`, devDependencies): load the
// example model from a folder, tokenize, forward, fill-mask; equal to Node within 1e-5.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, DebertaModel, pipeline } from '../../src/index.js';
import { maxAbsDiff } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
const TEXT = 'Paris is the [MASK] of France.';
const BIN = join(ROOT, 'node_modules', '.bin');

/** What the app prints: the runtime's view of the library and its results. */
interface RuntimeResult {
  backend: string;
  ids: number[];
  hidden: number[];
  fill: Array<{ score: number; token: number; tokenStr: string; sequence: string }>;
}

const APP = `
import { AutoTokenizer, DebertaModel, pipeline } from 'deberta';
const dir = ${JSON.stringify(MODEL)};
const tokenizer = await AutoTokenizer.fromPretrained(dir);
const enc = tokenizer(${JSON.stringify(TEXT)});
const model = await DebertaModel.fromPretrained(dir, { numThreads: 1 });
const out = await model.forward(enc);
const fill = await pipeline('fill-mask', dir, { numThreads: 1 });
console.log(JSON.stringify({ backend: model.backend.name, ids: enc.inputIds[0], hidden: Array.from(out.lastHiddenState.data), fill: await fill(${JSON.stringify(TEXT)}) }));
`;

let dir: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'deberta-runtimes-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'deberta'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true, dependencies: { deberta: '*' } }));
  writeFileSync(join(dir, 'app.mjs'), APP);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function runIn(command: string, args: string[]): Promise<RuntimeResult> {
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    const child = execFile(join(BIN, command), args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } },
      (_e, out, err) => resolve({ stdout: out, stderr: err, code: child.exitCode }));
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`${command} exited ${code}: ${stderr}${stdout}`);
  return JSON.parse(line) as RuntimeResult;
}

async function expectSameAsNode(got: RuntimeResult): Promise<void> {
  const tokenizer = await AutoTokenizer.fromPretrained(MODEL);
  const enc = tokenizer(TEXT);
  expect(got.ids).toEqual(enc.inputIds[0]);
  const node = await (await DebertaModel.fromPretrained(MODEL, { numThreads: 1 })).forward(enc);
  expect(got.hidden).toHaveLength(node.lastHiddenState.data.length);
  expect(maxAbsDiff(Float32Array.from(got.hidden), Array.from(node.lastHiddenState.data))).toBeLessThanOrEqual(1e-5);
  const nodeFill = (await (await pipeline('fill-mask', MODEL, { numThreads: 1 }))(TEXT)) as RuntimeResult['fill'];
  expect(got.fill.length).toBe(5);
  expect(got.fill.map((r) => ({ ...r, score: 0 }))).toEqual(nodeFill.map((r) => ({ ...r, score: 0 })));
  got.fill.forEach((r, i) => expect(Math.abs(r.score - nodeFill[i].score)).toBeLessThanOrEqual(1e-5));
}

describe('the built package in other JavaScript runtimes', () => {
  it('Deno: folder model, tokenize, forward, fill-mask on the WebAssembly kernels, equal to Node', async () => {
    const got = await runIn('deno', ['run', '--quiet', '--node-modules-dir=manual', '--allow-read', '--allow-env', '--allow-sys', 'app.mjs']);
    expect(got.backend).toMatch(/^wasm-/);
    await expectSameAsNode(got);
  });

  it('Bun: folder model, tokenize, forward, fill-mask on the WebAssembly kernels, equal to Node', async () => {
    const got = await runIn('bun', ['run', 'app.mjs']);
    expect(got.backend).toMatch(/^wasm-/);
    await expectSameAsNode(got);
  });
});
