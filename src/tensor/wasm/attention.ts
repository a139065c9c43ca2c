/**
 * Disentangled attention in wasm memory: q, k, v and the gather indices are copied in once per call, and
 * every (sequence, head) step (packing Kᵀ and V, the three score products, both gathers, the softmax and
 * the product with V) runs on scratch buffers there; only the context is copied out.
 */
import type { AttentionArgs } from '../js/attention.js';
import { PANEL } from './attention-module.js';
import { ScratchLayout } from './heap.js';
import { locateB } from './gemm.js';
import { copyRowsOut } from './packed.js';
import type { WasmRuntime } from './runtime.js';

const up = (x: number, to: number) => Math.ceil(x / to) * to;

export function wasmAttention(rt: WasmRuntime, q: Float32Array, k: Float32Array, v: Float32Array, args: AttentionArgs): Float32Array {
  const { batch, length: L, heads, headSize: d, scale, mask, relative } = args;
  const A = heads * d;
  const context = new Float32Array(batch * L * A);
  if (batch === 0 || L === 0 || A === 0) return context;
  const posK = relative?.posK ?? null;
  const posQ = relative?.posQ ?? null;
  const rows = posK?.[0]?.n ?? posQ?.[0]?.n ?? 0;
  // Resident (or adopted) relative packs first: adopting may allocate, which must precede the scratch.
  const posKPtr = posK?.map((p) => locateB(rt, p)) ?? null;
  const posQPtr = posQ?.map((p) => locateB(rt, p)) ?? null;
  const Lp = up(L, PANEL);
  const dp = up(d, PANEL);
  const rowsP = up(rows, PANEL);
  const n = batch * L * A;
  const s = new ScratchLayout();
  const qAt = s.take(n * 4), kAt = s.take(n * 4), vAt = s.take(n * 4);
  const ctxAt = s.take(batch * L * heads * dp * 4);
  const scoresAt = s.take(L * Lp * 4);
  const relAt = s.take(L * rowsP * 4);
  const kPanelAt = s.take(Lp * d * 4);
  const vPanelAt = s.take(dp * L * 4);
  const c2pAt = relative ? s.take(L * L * 4) : 0;
  const p2cAt = relative ? s.take(L * L * 4) : 0;
  const keepAt = s.take(batch * Lp * 4);
  const transientAt = [...(posKPtr ?? []), ...(posQPtr ?? [])].some((src) => src.data !== null) ? s.take(d * rowsP * 4) : 0;
  const base = rt.heap.scratch(s.size);
  const f32 = rt.heap.f32();
  const i32 = rt.heap.i32();
  f32.set(q, (base + qAt) >> 2);
  f32.set(k, (base + kAt) >> 2);
  f32.set(v, (base + vAt) >> 2);
  if (relative) {
    i32.set(relative.c2p.subarray(0, L * L), (base + c2pAt) >> 2);
    i32.set(relative.p2c.subarray(0, L * L), (base + p2cAt) >> 2);
  }
  for (let b = 0; b < batch; b++) {
    const at = (base + keepAt) / 4 + b * Lp;
    for (let j = 0; j < Lp; j++) i32[at + j] = j < L && mask[b * L + j] !== 0 ? -1 : 0;
  }
  rt.scale(base + qAt, Math.ceil(n / 4), scale);
  const bytesA = A * 4;
  const pack = (src: { ptr: number; data: Float32Array | null }): number => {
    if (src.data === null) return src.ptr;
    rt.heap.f32().set(src.data, (base + transientAt) >> 2);
    return base + transientAt;
  };
  for (let h = 0; h < heads; h++) {
    for (let b = 0; b < batch; b++) {
      const off = (b * L * A + h * d) * 4; // head h of sequence b, rows A floats apart
      rt.packT(base + kAt + off, bytesA, L, d, base + kPanelAt);
      rt.gemm(L, d, L, base + qAt + off, bytesA, base + kPanelAt, base + scoresAt, Lp * 4, 0, 0);
      if (posKPtr !== null && relative) {
        rt.gemm(L, d, rows, base + qAt + off, bytesA, pack(posKPtr[h]), base + relAt, rowsP * 4, 0, 0);
        rt.gatherRows(base + scoresAt, Lp * 4, L, L, base + relAt, rowsP * 4, base + c2pAt, 1);
      }
      if (posQPtr !== null && relative) {
        rt.gemm(L, d, rows, base + kAt + off, bytesA, pack(posQPtr[h]), base + relAt, rowsP * 4, 0, 0);
        rt.gatherCols(base + scoresAt, Lp * 4, L, L, base + relAt, rowsP * 4, base + p2cAt, scale);
      }
      rt.softmax(base + scoresAt, L, Lp / 4, Lp * 4, base + keepAt + b * Lp * 4);
      rt.packN(base + vAt + off, bytesA, L, d, base + vPanelAt);
      rt.gemm(L, L, d, base + scoresAt, Lp * 4, base + vPanelAt, base + ctxAt + (b * L * heads * dp + h * dp) * 4, heads * dp * 4, 0, 0);
    }
  }
  if (dp === d) {
    copyRowsOut(rt, base + ctxAt, A, context, 0, A, batch * L, A);
  } else {
    for (let h = 0; h < heads; h++) copyRowsOut(rt, base + ctxAt + h * dp * 4, heads * dp, context, h * d, A, batch * L, d);
  }
  return context;
}
