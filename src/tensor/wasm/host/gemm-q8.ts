/**
 * The wasm backend's int8 ops, calling kernels/gemm-q8.ts: activations are copied into scratch memory
 * (zero-padded to the kernel's K), quantized there (and, for the relaxed kernel, split into hi/lo bytes),
 * multiplied against the weight resident in wasm memory, dequantized, and copied out. Wide products run in
 * column chunks so scratch stays bounded, and large ones across the worker pool.
 */
import type { DotQ8Args, GemmQ8Args, PackedQ8Matrix, PackQ8Args } from '../../backend.js';
import { dotQ8 as jsDotQ8, gemmQ8 as jsGemmQ8, packQ8 as jsPackQ8 } from '../../js/matmul-q8.js';
import { q8MatrixOf } from '../../q8-matrix.js';
import { activationLimit } from '../../quant.js';
import { CHUNK_FLOATS, Q8_PANEL, Q8_TILE_ROWS } from '../layout.js';
import { activateRows } from './gemm.js';
import { ScratchLayout, WasmHeapExhaustedError } from './heap.js';
import { copyPadded, copyRows, copyRowsOut } from './packed.js';
import { locateQ8, packQ8Resident, type WasmQ8Matrix } from './packed-q8.js';
import type { WasmRuntime } from './runtime.js';

/** Multiply-adds below which a product stays on one thread (waking workers costs more). */
const PARALLEL_MIN = 1 << 18;

/** Packs W into wasm memory; keeps the reference's pack (on the JS heap) when the memory is exhausted. */
export function wasmPackQ8(rt: WasmRuntime, args: PackQ8Args): PackedQ8Matrix {
  const rows = jsPackQ8(args); // validates, and views the caller's arrays
  try {
    return packQ8Resident(rt, args.rows, args.cols, q8MatrixOf(rows).canonical());
  } catch (e) {
    if (e instanceof WasmHeapExhaustedError) return rows;
    throw e;
  }
}

/** Columns per chunk: whole panels, with `perColumn` bytes of scratch per column kept near 16 MiB. */
function columnChunk(np: number, perColumn: number): number {
  return Math.min(np, Math.max(Q8_PANEL, Math.floor((CHUNK_FLOATS * 4) / perColumn / Q8_PANEL) * Q8_PANEL));
}

/**
 * Runs gemmQ8Task over `np` columns: on this thread, or in chunks of whole panels claimed by the pool's
 * threads. `args` are the task's arguments from m to accumulate.
 */
function run(rt: WasmRuntime, work: number, np: number, args: number[]): void {
  if (rt.pool !== null && work >= PARALLEL_MIN) {
    const per = rt.pool.itemSize(np, Q8_PANEL);
    rt.pool.run('gemmQ8Task', Math.ceil(np / per), [...args, per]);
  } else {
    rt.gemmQ8Task(0, 0, ...args, np);
  }
}

/**
 * Int16 rows at `int16At` into the kernel's row tiles (for the relaxed kernel, split into hi/lo bytes at
 * `otherAt` first). Both buffers hold m · kp · 2 bytes; returns the one holding the tiles (the other is
 * overwritten).
 */
function packRows(rt: WasmRuntime, w: WasmQ8Matrix, m: number, int16At: number, otherAt: number): number {
  if (!w.relaxed) {
    rt.packQ8Rows(int16At, m, w.kp, otherAt);
    return otherAt;
  }
  rt.splitQ8(int16At, m, w.kp, otherAt);
  rt.packQ8Rows(otherAt, m, w.kp, int16At);
  return int16At;
}

/** Elements below which quantizing the rows stays on one thread. */
const PARALLEL_QUANTIZE_MIN = 1 << 15;

/**
 * Quantizes the float rows at `x` [m, kp] (ldx bytes apart; scales to `sxAt`) into the kernel's activation
 * operand, which it returns: the plain kernel's row tiles are written at `qAt` directly; the relaxed kernel's
 * int16 rows go to `qAt` and are split and packed through `spareAt` (m · kp · 2 bytes of scratch). Whole row
 * tiles are shared out across the threads when there are enough rows.
 */
function quantizeRows(rt: WasmRuntime, w: WasmQ8Matrix, m: number, K: number, x: number, ldx: number, qAt: number, sxAt: number, spareAt: number): number {
  const args: [number, number, number, number, number, number, number] = [x, ldx, m, w.kp, activationLimit(K), qAt, sxAt];
  const tiles = Math.ceil(m / Q8_TILE_ROWS);
  if (rt.pool !== null && m * w.kp >= PARALLEL_QUANTIZE_MIN) {
    const per = rt.pool.itemSize(tiles, 1);
    rt.pool.run('quantizeQ8Task', Math.ceil(tiles / per), [...args, per]);
  } else {
    rt.quantizeQ8Task(0, 0, ...args, tiles);
  }
  return w.relaxed ? packRows(rt, w, m, qAt, spareAt) : qAt;
}

/** Rows per kernel sweep of {@link wasmGemmQ8}: 128 rows of K = 3072 are 768 KB of int16, about L2. */
const Q8_ROW_BLOCK = 128;

/** C = quantize(A) · Wᵀ dequantized (+ bias) (+ C), bit for bit as tensor/js/matmul-q8.ts. */
export function wasmGemmQ8(rt: WasmRuntime, args: GemmQ8Args): void {
  const { m, a, aOffset = 0, aStride, b, out, outOffset = 0, outStride, bias = null, accumulate = false, activation } = args;
  const { rows: K, cols: N } = b;
  if (m === 0 || N === 0) return;
  if (K === 0) {
    // nothing to multiply: the reference writes the bias (or 0) itself, and the activation is this backend's
    jsGemmQ8({ ...args, activation: undefined });
    if (activation !== undefined) activateRows(rt, activation, out, outOffset, outStride ?? N, m, N);
    return;
  }
  const lda = aStride ?? K, ldo = outStride ?? N;
  if (m > Q8_ROW_BLOCK) {
    // The kernel sweeps every row block for each column panel: past a few hundred KB the quantized rows fall
    // out of cache and are re-read from memory per panel, so long inputs go in blocks (rows are independent:
    // the results are the same bits).
    for (let r0 = 0; r0 < m; r0 += Q8_ROW_BLOCK) {
      wasmGemmQ8(rt, { ...args, m: Math.min(Q8_ROW_BLOCK, m - r0), aOffset: aOffset + r0 * lda, aStride: lda, outOffset: outOffset + r0 * ldo, outStride: ldo });
    }
    return;
  }
  const w = locateQ8(rt, b);
  const { kp, np } = w;
  // Operands already in this memory (a model's activations: Backend.allocate) are read and written where they
  // are: A when its rows need no zero padding, C when no chunk writes past N (the kernel writes whole panels).
  const aAddress = kp === K ? rt.heap.addressOf(a) : -1;
  const outAddress = N % Q8_PANEL === 0 ? rt.heap.addressOf(out) : -1;
  const chunk = columnChunk(np, m * 8 + 4);
  const layout = new ScratchLayout();
  const xAt = layout.take(aAddress < 0 || w.relaxed ? m * kp * 4 : 0); // the float rows (unless A is read in place), then (relaxed) the hi/lo bytes
  const qAt = layout.take(m * kp * 2);
  const sxAt = layout.take(m * 4);
  const cAt = layout.take(m * chunk * 4);
  const oAt = outAddress < 0 ? layout.take(m * chunk * 4) : 0;
  const biasAt = bias === null ? -1 : layout.take(chunk * 4);
  const base = rt.heap.scratch(layout.size);
  const wPtr = w.pointerIn(rt)!;
  if (aAddress < 0) {
    copyRows(rt, a, aOffset, lda, base + xAt, kp, m, K);
    // zeros past K change neither a row's max nor any dot product
    const f32 = rt.heap.f32(), x0 = (base + xAt) >> 2;
    if (kp > K) for (let i = 0; i < m; i++) f32.fill(0, x0 + i * kp + K, x0 + (i + 1) * kp);
  }
  const [x, ldx] = aAddress >= 0 ? [aAddress + aOffset * 4, lda * 4] : [base + xAt, kp * 4];
  const aPtr = quantizeRows(rt, w, m, K, x, ldx, base + qAt, base + sxAt, base + xAt);
  for (let col0 = 0; col0 < N; col0 += chunk) {
    const cols = Math.min(chunk, N - col0);
    const colsP = Math.ceil(cols / Q8_PANEL) * Q8_PANEL;
    // where the kernel writes this chunk's columns: in place, or scratch rows of `chunk` floats
    const [o, oStride] = outAddress >= 0 ? [outAddress + (outOffset + col0) * 4, ldo * 4] : [base + oAt, chunk * 4];
    if (accumulate && outAddress < 0) copyRows(rt, out, outOffset + col0, ldo, base + oAt, chunk, m, cols);
    if (bias !== null) copyPadded(rt, bias, col0, cols, base + biasAt, colsP);
    const at = col0 * 4;
    run(rt, m * K * cols, colsP, [
      m, kp, colsP, aPtr, wPtr + col0 * kp, base + cAt, chunk * 4, w.corrPtr + at,
      base + sxAt, w.scalesPtr + at, bias === null ? 0 : base + biasAt, o, oStride, accumulate ? 1 : 0, activation === 'gelu' ? 1 : 0,
    ]);
    if (outAddress < 0) copyRowsOut(rt, base + oAt, chunk, out, outOffset + col0, ldo, m, cols);
  }
  // GELU ran in the kernel's epilogue; other activations as the backend's `activate` runs them.
  if (activation !== undefined && activation !== 'gelu') activateRows(rt, activation, out, outOffset, ldo, m, N);
}

/** The int32 accumulators of already quantized rows, as tensor/js/matmul-q8.ts `dotQ8` (|a| ≤ 8191). */
export function wasmDotQ8(rt: WasmRuntime, args: DotQ8Args): void {
  const { m, a, aOffset = 0, aStride, b, out, outOffset = 0, outStride } = args;
  const { rows: K, cols: N } = b;
  if (m === 0 || N === 0) return;
  if (K === 0) return jsDotQ8(args);
  const w = locateQ8(rt, b);
  const { kp, np } = w;
  const lda = aStride ?? K, ldo = outStride ?? N;
  const chunk = columnChunk(np, m * 4);
  const layout = new ScratchLayout();
  const qAt = layout.take(m * kp * 2);
  const pAt = layout.take(m * kp * 2);
  const cAt = layout.take(m * chunk * 4);
  const base = rt.heap.scratch(layout.size);
  const wPtr = w.pointerIn(rt)!;
  const i16 = new Int16Array(rt.heap.memory.buffer, base + qAt, m * kp);
  for (let i = 0; i < m; i++) {
    i16.set(a.subarray(aOffset + i * lda, aOffset + i * lda + K), i * kp);
    i16.fill(0, i * kp + K, (i + 1) * kp);
  }
  const aPtr = packRows(rt, w, m, base + qAt, base + pAt);
  for (let col0 = 0; col0 < N; col0 += chunk) {
    const cols = Math.min(chunk, N - col0);
    const colsP = Math.ceil(cols / Q8_PANEL) * Q8_PANEL;
    run(rt, m * K * cols, colsP, [m, kp, colsP, aPtr, wPtr + col0 * kp, base + cAt, chunk * 4, w.corrPtr + col0 * 4, 0, 0, 0, 0, 0, 0, 0]);
    const c = rt.heap.i32();
    for (let i = 0; i < m; i++) {
      const from = ((base + cAt) >> 2) + i * chunk;
      out.set(c.subarray(from, from + cols), outOffset + i * ldo + col0);
    }
  }
}
