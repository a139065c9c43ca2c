// The prebuilt kernels (dist/edge/*.wasm, written by `npm run build`) are exactly the modules the run-time
// emitter generates for a single-threaded runtime, and the whole WebAssembly payload stays small.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../../src/tensor/wasm/host/prebuilt.js';
import { moduleBytes } from '../../src/tensor/wasm/host/runtime.js';

const EDGE = join(import.meta.dirname, '..', '..', 'dist', 'edge');
const VARIANTS = [['simd', false], ['relaxed', true]] as const;

describe('prebuilt kernels in dist/edge', () => {
  it('equal the bytes the run-time emitter produces, for plain and relaxed SIMD', () => {
    if (!existsSync(join(EDGE, 'index.js'))) throw new Error(`${EDGE} is missing: run \`npm run build\` first (npm test does)`);
    for (const [variant, relaxed] of VARIANTS) {
      const emitted = moduleBytes(relaxed);
      expect(emitted).toHaveLength(KERNEL_NAMES.length);
      KERNEL_NAMES.forEach((name, i) => {
        const file = readFileSync(join(EDGE, `${name}-${variant}.wasm`));
        expect(file.length, `${name}-${variant}.wasm`).toBe(emitted[i].length);
        expect(Buffer.compare(file, Buffer.from(emitted[i])), `${name}-${variant}.wasm`).toBe(0);
        expect(WebAssembly.validate(file)).toBe(true);
      });
    }
    // The relaxed gemm differs (f32x4.relaxed_madd); the others need no relaxed instruction, the int8 gemm
    // included (its relaxed-dot kernel is opt-in, `relaxedIntegerDot`, and compiled at run time).
    const same = (name: string) => Buffer.compare(readFileSync(join(EDGE, `${name}-simd.wasm`)), readFileSync(join(EDGE, `${name}-relaxed.wasm`))) === 0;
    expect(same('gemm')).toBe(false);
    expect(same('gemmQ8')).toBe(true);
  });

  it('keep the whole WebAssembly payload under 100 KB', () => {
    const sizes = VARIANTS.flatMap(([variant]) => KERNEL_NAMES.map((name) => [`${name}-${variant}.wasm`, statSync(join(EDGE, `${name}-${variant}.wasm`)).size] as const));
    const total = sizes.reduce((s, [, n]) => s + n, 0);
    console.log(`prebuilt kernels: ${sizes.map(([f, n]) => `${f} ${n} B`).join(', ')}; total ${total} B`);
    expect(total).toBeGreaterThan(5_000);
    expect(total).toBeLessThan(100_000);
  });
});
