// The int8 GEMM of `dtype: 'q8'` (Backend.gemmQ8) on DeBERTa-base shapes, beside the float32 gemm, with the
// instruction-level peak of each wasm kernel for scale.
import type { Backend } from '../src/tensor/backend.js';
import { FunctionBuilder, I32 } from '../src/tensor/wasm/emit/function-builder.js';
import { ModuleBuilder } from '../src/tensor/wasm/emit/module-builder.js';
import { median, timeRuns } from './timing.js';

/** M x K x N: a layer's FFN up and down projections and its attention projections, 128 tokens. */
export const Q8_SHAPES: Array<[number, number, number]> = [[128, 768, 3072], [128, 3072, 768], [128, 768, 768]];

/** GOP/s (2 · m · N · K per second: a multiply and an add per MAC) of `K.gemmQ8` on each shape, by `MxKxN`. */
export function benchGemmQ8(K: Backend): Map<string, number> {
  const out = new Map<string, number>();
  if (K.packQ8 === undefined || K.gemmQ8 === undefined) return out;
  for (const [m, k, n] of Q8_SHAPES) {
    const weights = new Int8Array(n * k).map((_, i) => ((i * 37) % 255) - 127);
    const scales = new Float32Array(n).fill(0.01);
    const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
    const bias = new Float32Array(n).fill(0.01);
    const c = new Float32Array(m * n);
    const packed = K.packQ8({ weights, scales, rows: k, cols: n });
    const times = timeRuns(() => K.gemmQ8!({ m, a, b: packed, out: c, bias }), 3, 9);
    out.set(`${m}x${k}x${n}`, (2 * m * k * n) / median(times) / 1e6);
    packed.dispose();
  }
  return out;
}

/**
 * The core clock in GHz as it runs now (turbo included, which /proc/cpuinfo does not show in a VM): a wasm
 * loop whose iterations are a chain of 16 dependent i32.mul, 3 cycles of latency each on current x86 and
 * Arm cores (the loop counter runs alongside), timed.
 */
function clockGHz(): number {
  const CHAIN = 16, LATENCY = 3;
  const f = new FunctionBuilder([I32, I32], [I32]);
  const [x, count] = [0, 1];
  f.loop(() => {
    for (let i = 0; i < CHAIN; i++) f.get(x).get(x).mul().set(x);
    f.get(count).i32(1).sub().tee(count).brIf(0);
  });
  f.get(x);
  const mod = new ModuleBuilder();
  mod.add('chain', f);
  const { chain } = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes()), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } })
    .exports as { chain: (x: number, n: number) => number };
  const n = 2_000_000;
  const ms = Math.min(...timeRuns(() => chain(3, n), 2, 5));
  return (n * CHAIN * LATENCY) / ms / 1e6;
}

/**
 * Instruction-level peaks, in ops per cycle (an op: a multiply or an add). Assumption: an x86 core issues
 * two 128-bit integer multiply-adds (pmaddwd / pmaddubsw) per cycle (Skylake, Zen 2 and later have two
 * such ports) and the adds that go with them fit the other vector ports, and V8 lowers the relaxed dot
 * without VNNI (it does on this kind of machine).
 * - plain SIMD: one i32x4.dot_i16x8_s (pmaddwd) is 4 channels × 2 k = 8 MACs: 2 · 8 · 2 = 32 ops/cycle.
 * - relaxed SIMD: 16 MACs (4 channels × 4 k) cost two i16x8.relaxed_dot_i8x16_i7x16_s (pmaddubsw, hi and lo
 *   byte of the 14-bit activation) and two pmaddwd widening them: 4 multiply µops, so 16 ops/cycle.
 */
const PEAK_OPS_PER_CYCLE = { 'wasm-simd': 32, 'wasm-relaxed-simd': 16 } as const;

/** Prints int8 GOP/s next to float32 GFLOP/s (keys `${backend} ${MxKxN}` in both maps) and the peaks. */
export function printGemmQ8(int8: Map<string, number>, f32: Map<string, number>): void {
  const ghz = clockGHz();
  const names = (['wasm-simd', 'wasm-relaxed-simd'] as const).filter((b) => Q8_SHAPES.some(([m, k, n]) => int8.has(`${b} ${m}x${k}x${n}`)));
  console.log('\n## int8 matmul GOP/s (gemmQ8: quantize A per row, int32 dot products, dequantize + bias; 1 thread; median)');
  console.log(`| M x K x N | ${names.map((b) => `${b} f32 | ${b} int8`).join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:|---:').join('|')}|`);
  for (const [m, k, n] of Q8_SHAPES) {
    const shape = `${m}x${k}x${n}`;
    const cells = names.map((b) => `${f32.get(`${b} ${shape}`)?.toFixed(1) ?? '-'} | ${int8.get(`${b} ${shape}`)?.toFixed(1) ?? '-'}`);
    console.log(`| ${shape} | ${cells.join(' | ')} |`);
  }
  for (const b of names) {
    const perCycle = PEAK_OPS_PER_CYCLE[b];
    console.log(`- int8 peak of the ${b} kernel: ${(perCycle * ghz).toFixed(1)} GOP/s (${perCycle} ops/cycle at ${ghz.toFixed(2)} GHz, measured)`);
  }
}
