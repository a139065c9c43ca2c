import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

// Node 20 runs relaxed SIMD only behind this flag; newer engines have it on (and may drop the flag).
const RELAXED = '--experimental-wasm-relaxed-simd';
const execArgv = spawnSync(process.execPath, [RELAXED, '-e', '0']).status === 0 ? [RELAXED] : [];

/**
 * Tests that run in one project: they run no kernels (or only compare the browser bundle), or they test
 * whole-library behaviour that does not depend on the backend (hostile inputs, reclaiming dropped threads).
 */
// q8-outliers: a v3-base-sized accuracy measurement; q8's integers are bit-identical on every backend.
const KERNEL_FREE = ['test/{io,tokenizers,browser,edge,runtimes,hostile}/**', 'test/tensor/reclaim.test.ts', 'test/model/q8-outliers.test.ts', 'node_modules/**'];

// The whole suite runs on each kernel backend: `wasm` (the default: SIMD with relaxed-SIMD FMA),
// `wasm-simd` (plain SIMD, what engines without relaxed SIMD get), `wasm-threads` (2 threads) and `js`
// (the reference kernels).
// Kernel-free tests (tokenizers, io formats, the browser bundle) run once, in `wasm`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    poolOptions: { forks: { execArgv }, threads: { execArgv } },
    projects: [
      { extends: true, test: { name: 'wasm', setupFiles: ['test/tensor/backend-wasm.setup.ts'] } },
      {
        extends: true,
        test: { name: 'wasm-simd', exclude: KERNEL_FREE, setupFiles: ['test/tensor/backend-wasm-simd.setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'wasm-threads', exclude: KERNEL_FREE, setupFiles: ['test/tensor/backend-wasm-threads.setup.ts'] },
      },
      { extends: true, test: { name: 'js', exclude: KERNEL_FREE, setupFiles: ['test/tensor/backend-js.setup.ts'] } },
    ],
  },
});
