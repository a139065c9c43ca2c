import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  entry: { index: 'src/index.ts' },
  sourcemap: true,
  target: 'es2022',
  treeshake: true,
};

/** Browser builds swap the Node file module for a stub, so no `node:` import is reachable. */
const browserFs = {
  name: 'browser-node-fs',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: () => { path: string }) => void }) {
    const stub = fileURLToPath(new URL('./src/io/node-fs.browser.ts', import.meta.url));
    build.onResolve({ filter: /\/node-fs\.js$/ }, () => ({ path: stub }));
  },
};

export default defineConfig([
  // Node: ESM + CJS + types; local folders are read through a lazily imported node-fs chunk.
  { ...shared, format: ['esm', 'cjs'], dts: true, splitting: true, platform: 'node' },
  // The `deberta` command.
  { ...shared, entry: { cli: 'src/cli.ts' }, format: ['esm'], platform: 'node', splitting: false },
  // Browsers and bundlers (`browser` export condition): one ESM file, fetch only.
  { ...shared, format: ['esm'], outDir: 'dist/browser', platform: 'browser', splitting: false, esbuildPlugins: [browserFs] },
]);
