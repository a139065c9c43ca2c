/**
 * Disentangled attention in wasm memory, calling kernels/attention.ts: q, k, v and the gather indices are
 * copied in once per call (k, v and the context are used in place when they already live in this memory);
 * each (sequence, head) then runs entirely in wasm (`attentionTask`: packing Kᵀ and V, the three score
 * products, both gathers, the softmax and the product with V) on per-thread scratch, spread over the
 * worker threads when there are any; only the context is copied out.
 */
import type { AttentionArgs } from '../../backend.js';
import { contextBuffer } from '../../js/attention.js';
import { ATT } from '../kernels/attention.js';
import { PANEL, TILE_ROWS } from '../layout.js';
import { locateB } from './gemm.js';
import { ScratchLayout } from './heap.js';
import { copyRowsOut } from './packed.js';
import type { WasmRuntime } from './runtime.js';

const up = (x: number, to: number) => Math.ceil(x / to) * to;
const f32Bits = new Float32Array(1);
const bitsOf = new Int32Array(f32Bits.buffer);

/**
 * The band of relative rows each tile of TILE_ROWS rows of an index table [L, L] reaches (query tiles of
 * c2p, key tiles of p2c), as [first, count] pairs with first on a panel boundary, into `out` from `at`: a
 * row i reaches only the L rows around i, so each tile's product is about L + TILE_ROWS columns wide, not
 * the 2L - 1 of the whole window. Returns [lowest first, highest first + count] over the tiles.
 */
function tileBands(table: Int32Array, L: number, out: Int32Array, at: number): [number, number] {
  let low = 0x7fffffff, high = 0;
  for (let t = 0; t < L; t += TILE_ROWS) {
    let lo = 0x7fffffff, hi = -1;
    for (let i = t * L, end = Math.min(t + TILE_ROWS, L) * L; i < end; i++) {
      const r = table[i];
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    const first = lo - (lo % PANEL);
    out[at++] = first;
    out[at++] = hi + 1 - first;
    if (first < low) low = first;
    if (hi + 1 > high) high = hi + 1;
  }
  return [low, high];
}

export function wasmAttention(rt: WasmRuntime, { q, k, v, batch, length: L, heads, headSize: d, scale, mask, relative, out }: AttentionArgs): Float32Array {
  const A = heads * d;
  const context = contextBuffer(out, batch * L * A);
  if (batch === 0 || L === 0 || A === 0) return context;
  const posK = relative?.posK ?? null;
  const posQ = relative?.posQ ?? null;
  const packedRows = posK?.[0]?.cols ?? posQ?.[0]?.cols ?? 0;
  // Per tile of rows, the band of relative rows its indices reach (below); [row0, row0 + rows) covers them all.
  const tiles = Math.ceil(L / TILE_ROWS);
  const bands = new Int32Array(relative ? 4 * tiles : 0);
  let row0 = 0, rows = 0;
  if (relative) {
    const [loC, hiC] = tileBands(relative.c2p, L, bands, 0);
    const [loP, hiP] = tileBands(relative.p2c, L, bands, 2 * tiles);
    row0 = Math.min(loC, loP);
    rows = Math.max(hiC, hiP) - row0;
  }
  // Resident (or adopted) relative packs first: adopting may allocate, which must precede the scratch.
  const posKAt = posK?.map((p) => locateB(rt, p)) ?? null;
  const posQAt = posQ?.map((p) => locateB(rt, p)) ?? null;
  const transient = [...(posKAt ?? []), ...(posQAt ?? [])].some((src) => src.data !== null);
  const Lp = up(L, PANEL);
  const dp = up(d, PANEL);
  const rowsP = up(rows, PANEL);
  const n = batch * L * A;
  const threads = rt.pool?.size ?? 1;
  // K, V and the context already in this memory (a model's activations: Backend.allocate) are used where
  // they are; Q is always copied, as it is scaled in place.
  const kAddress = rt.heap.addressOf(k), vAddress = rt.heap.addressOf(v);
  const ctxAddress = dp === d ? rt.heap.addressOf(context) : -1;
  const s = new ScratchLayout();
  const qAt = s.take(n * 4);
  const kAt = kAddress < 0 ? s.take(n * 4) : 0, vAt = vAddress < 0 ? s.take(n * 4) : 0;
  const ctxAt = ctxAddress < 0 ? s.take(batch * L * heads * dp * 4) : 0;
  const c2pAt = relative ? s.take(L * L * 4) : 0;
  const p2cAt = relative ? s.take(L * L * 4) : 0;
  const keepAt = s.take(batch * Lp * 4);
  const bandsAt = s.take(bands.length * 4);
  const argsAt = s.take(ATT.SIZE * 4);
  const posKTableAt = s.take(heads * 4), posQTableAt = s.take(heads * 4);
  // Heap-resident relative packs (only when wasm memory ran short) are copied in, one per head.
  const transientAt = transient ? s.take(2 * heads * d * up(packedRows, PANEL) * 4) : 0;
  const mine = new ScratchLayout(); // one thread's buffers
  const scoresAt = mine.take(L * Lp * 4), relAt = mine.take(L * rowsP * 4);
  const kPanelAt = mine.take(Lp * d * 4), vPanelAt = mine.take(dp * L * 4);
  const perThread = mine.size;
  const threadsAt = s.take(threads * perThread);
  const base = rt.heap.scratch(s.size);
  const f32 = rt.heap.f32();
  const i32 = rt.heap.i32();
  f32.set(q.subarray(0, n), (base + qAt) >> 2);
  if (kAddress < 0) f32.set(k.subarray(0, n), (base + kAt) >> 2);
  if (vAddress < 0) f32.set(v.subarray(0, n), (base + vAt) >> 2);
  const kPtr = kAddress < 0 ? base + kAt : kAddress;
  const vPtr = vAddress < 0 ? base + vAt : vAddress;
  const ctxPtr = ctxAddress < 0 ? base + ctxAt : ctxAddress;
  if (relative) {
    i32.set(bands, (base + bandsAt) >> 2);
    i32.set(relative.c2p.subarray(0, L * L), (base + c2pAt) >> 2);
    i32.set(relative.p2c.subarray(0, L * L), (base + p2cAt) >> 2);
  }
  for (let b = 0; b < batch; b++) {
    const at = (base + keepAt) / 4 + b * Lp;
    for (let j = 0; j < Lp; j++) i32[at + j] = j < L && mask[b * L + j] !== 0 ? -1 : 0;
  }
  let next = base + transientAt;
  const table = (srcs: typeof posKAt, at: number): number => {
    if (srcs === null) return 0;
    srcs.forEach((src, h) => {
      if (src.data === null) {
        i32[((base + at) >> 2) + h] = src.ptr;
      } else {
        f32.set(src.data, next >> 2);
        i32[((base + at) >> 2) + h] = next;
        next += src.data.length * 4;
      }
    });
    return base + at;
  };
  const a = (base + argsAt) >> 2;
  f32Bits[0] = scale;
  const fields: Array<[number, number]> = [
    [ATT.Q, base + qAt], [ATT.K, kPtr], [ATT.V, vPtr], [ATT.CTX, ctxPtr], [ATT.L, L], [ATT.A, A],
    [ATT.D, d], [ATT.HEADS, heads], [ATT.LP, Lp], [ATT.DP, dp], [ATT.ROWSP, rowsP],
    [ATT.C2P, base + c2pAt], [ATT.P2C, base + p2cAt], [ATT.KEEP, base + keepAt],
    [ATT.POSK, table(posKAt, posKTableAt)], [ATT.POSQ, table(posQAt, posQTableAt)], [ATT.SCALE, bitsOf[0]],
    [ATT.SCRATCH, base + threadsAt], [ATT.PER_THREAD, perThread], [ATT.ROW0, row0],
    [ATT.C2P_BANDS, base + bandsAt], [ATT.P2C_BANDS, base + bandsAt + tiles * 8],
    [ATT.SCORES, scoresAt], [ATT.REL, relAt], [ATT.KPANEL, kPanelAt], [ATT.VPANEL, vPanelAt],
  ];
  for (const [field, value] of fields) i32[a + field] = value;
  rt.scale(base + qAt, Math.ceil(n / 4), scale); // scales Q Kᵀ and c2p; p2c is scaled in its gather
  if (rt.pool !== null) rt.pool.run('attentionTask', batch * heads, [base + argsAt]);
  else for (let item = 0; item < batch * heads; item++) rt.attentionTask(item, 0, base + argsAt);
  if (ctxAddress >= 0) return context; // written in place
  if (dp === d) {
    copyRowsOut(rt, base + ctxAt, A, context, 0, A, batch * L, A);
  } else {
    for (let h = 0; h < heads; h++) copyRowsOut(rt, base + ctxAt + h * dp * 4, heads * dp, context, h * d, A, batch * L, d);
  }
  return context;
}
