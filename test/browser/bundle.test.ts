// A tiny browser app importing `deberta` through its package exports, bundled by esbuild for the browser
// with no Node polyfills: the bundle must not reach any `node:` module.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

const BUILTINS = new Set(builtinModules);

/** Bundles `source` for the browser; fails on any import of a Node built-in module. */
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
      metafile: true,
    });
    // esbuild cannot resolve a Node built-in for platform 'browser' without it being marked external, so any
    // such import would either fail the build or show up here as an external import.
    const nodeImports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.path.startsWith('node:') || BUILTINS.has(i.path)).map((i) => `${file} -> ${i.path}`));
    expect(nodeImports).toEqual([]);
    return result.outputFiles[0].text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bundling for the browser', () => {
  it('pulls in no node: module, and reports its size', async () => {
    const code = await bundle("import * as deberta from 'deberta'; globalThis.deberta = deberta;");
    // No static or dynamic import of a node: specifier survives in the code either. (Worker-thread source
    // text that Node evaluates in its own worker may mention worker_threads; it is a string, not an import.)
    expect(code).not.toMatch(/(from|import\()\s*["']node:/);
    expect(code).toContain('fromPretrained');
    const gz = gzipSync(code).length;
    console.log(`browser bundle of the whole library: ${(code.length / 1024).toFixed(1)} KiB minified, ${(gz / 1024).toFixed(1)} KiB gzipped`);
    const core = await bundle("import { DebertaModel } from 'deberta'; globalThis.M = DebertaModel;");
    console.log(`DebertaModel alone: ${(core.length / 1024).toFixed(1)} KiB minified, ${(gzipSync(core).length / 1024).toFixed(1)} KiB gzipped`);
    // Tree shaking keeps tokenizers and pipelines out of a bundle that only uses the model.
    expect(code).toContain('Token indices sequence length');
    expect(core).not.toContain('Token indices sequence length');
    expect(core).not.toContain('No mask_token');
    expect(core.length).toBeLessThan(code.length * 0.7);
  });
});
