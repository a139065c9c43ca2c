/**
 * The wasm backend's LayerNorm and GELU, calling kernels/norm.ts: copy in, run the SIMD kernel, copy out
 * (LayerNorm reads and writes in place operands that already live in this memory).
 */
import type { ActivateArgs, LayerNormArgs } from '../../backend.js';
import { activate as jsActivate } from '../../js/activations.js';
import { ScratchLayout } from './heap.js';
import type { WasmRuntime } from './runtime.js';

export function wasmLayerNorm(rt: WasmRuntime, { x, rows, cols, gamma, beta, eps, out }: LayerNormArgs): void {
  const n = rows * cols;
  if (n === 0) return;
  // x and out already in this memory (a model's activations: Backend.allocate) are used where they are,
  // when they are the same rows or do not overlap (the kernel reads a row whole before writing it)
  const xAddress = rt.heap.addressOf(x), outAddress = rt.heap.addressOf(out);
  const inPlace = xAddress >= 0 && outAddress >= 0 && (xAddress === outAddress || Math.abs(xAddress - outAddress) >= n * 4);
  const s = new ScratchLayout();
  const xAt = inPlace ? 0 : s.take(n * 4), gAt = s.take(cols * 4), bAt = s.take(cols * 4);
  const base = rt.heap.scratch(s.size);
  const f32 = rt.heap.f32();
  f32.set(gamma.subarray(0, cols), (base + gAt) >> 2);
  f32.set(beta.subarray(0, cols), (base + bAt) >> 2);
  if (inPlace) {
    rt.layerNorm(xAddress, rows, cols, base + gAt, base + bAt, eps, outAddress);
    return;
  }
  f32.set(x.subarray(0, n), (base + xAt) >> 2);
  rt.layerNorm(base + xAt, rows, cols, base + gAt, base + bAt, eps, base + xAt);
  out.set(f32.subarray((base + xAt) >> 2, ((base + xAt) >> 2) + n));
}

export function wasmActivate(rt: WasmRuntime, args: ActivateArgs): void {
  const { activation, x, offset = 0, length = x.length - offset } = args;
  if (activation !== 'gelu' || length <= 0) {
    jsActivate(args);
    return;
  }
  const at = rt.heap.scratch(length * 4 + 64); // slack: the kernel runs whole pairs of vectors
  const f32 = rt.heap.f32();
  f32.set(x.subarray(offset, offset + length), at >> 2);
  rt.gelu(at, Math.ceil(length / 4));
  x.set(f32.subarray(at >> 2, (at >> 2) + length), offset);
}
