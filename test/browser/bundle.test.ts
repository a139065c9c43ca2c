// A tiny browser app importing `deberta` through its package exports, bundled by esbuild for the browser
// with no Node polyfills: the bundle must not reach any `node:` module.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

async function bundle(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'deberta-bundle-'));
  try {
    writeFileSync(join(dir, 'app.js'), source);
    const result = await build({
      entryPoints: [join(dir, 'app.js')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      alias: { deberta: ROOT },
      logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bundling for the browser', () => {
  it('pulls in no node: module, and reports its size', async () => {
    const code = await bundle("import * as deberta from 'deberta'; globalThis.deberta = deberta;");
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/require\(["'](fs|path|url|os|worker_threads)["']\)/);
    expect(code).toContain('fromPretrained');
    const gz = gzipSync(code).length;
    console.log(`browser bundle of the whole library: ${(code.length / 1024).toFixed(1)} KiB minified, ${(gz / 1024).toFixed(1)} KiB gzipped`);
    const core = await bundle("import { DebertaModel } from 'deberta'; globalThis.M = DebertaModel;");
    console.log(`DebertaModel alone: ${(core.length / 1024).toFixed(1)} KiB minified, ${(gzipSync(core).length / 1024).toFixed(1)} KiB gzipped`);
    expect(core.length).toBeLessThan(code.length + 1);
  });
});
