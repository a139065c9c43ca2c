/**
 * The wasm backend's gemm, calling kernels/gemm.ts: copies A (and C when accumulating) into scratch memory, runs the SIMD kernel
 * against B resident in wasm memory, copies C out.
 */
import type { Activation, GemmArgs, PackedMatrix } from '../../backend.js';
import { panelsOf, repack } from '../../panel-matrix.js';
import { CHUNK_FLOATS, PANEL } from '../layout.js';
import { ScratchLayout, WasmHeapExhaustedError } from './heap.js';
import { wasmActivate } from './norm.js';
import { copyPadded, copyRows, copyRowsOut, WasmPackedMatrix } from './packed.js';
import type { WasmRuntime } from './runtime.js';

/** Where B is for the kernel: resident at an address, or heap-resident data to copy in for this call. */
export type BSource = { ptr: number; data: null } | { ptr: 0; data: Float32Array };

/**
 * Locates a packed matrix for this runtime; packings from elsewhere (the JS backend, another wasm runtime)
 * are copied in on first use and cached per runtime.
 */
export function locateB(rt: WasmRuntime, packed: PackedMatrix): BSource {
  const b = panelsOf(packed);
  if (b instanceof WasmPackedMatrix) {
    const ptr = b.pointerIn(rt);
    if (ptr !== null) return { ptr, data: null };
  } else if (b.panelWidth === PANEL) {
    return { ptr: 0, data: b.data }; // a transient (or too-large-for-wasm) packing on the JS heap
  }
  let mine = rt.adopted.get(b);
  if (mine === undefined) {
    const data = b.panelWidth === PANEL ? b.data.slice() : repack(b, PANEL).data;
    let ptr: number;
    try {
      ptr = rt.heap.alloc(data.length * 4);
    } catch (e) {
      if (e instanceof WasmHeapExhaustedError) return { ptr: 0, data };
      throw e;
    }
    rt.heap.f32().set(data, ptr >> 2);
    mine = new WasmPackedMatrix(b.rows, b.cols, ptr, rt);
    rt.adopted.set(b, mine);
  }
  return { ptr: mine.pointerIn(rt)!, data: null };
}

/** Multiply-adds below which a product stays on one thread (waking workers costs more). */
const PARALLEL_MIN = 1 << 18;

/**
 * C[m, n] = A[m, :] · B (+ bias) (+ C when accumulate), with the reference gemm's arguments. Wide products
 * (a vocabulary-sized decoder) run in column chunks, so scratch stays bounded by A plus ~16 MiB.
 */
export function wasmGemm(
  rt: WasmRuntime,
  { m, a, aOffset = 0, aStride, b, out: c, outOffset: cOffset = 0, outStride, bias = null, accumulate = false, activation }: GemmArgs,
): void {
  const { rows: K, cols: N } = b;
  const lda = aStride ?? K;
  const ldc = outStride ?? N;
  if (m === 0 || N === 0) return;
  if (K === 0) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < N; j++) {
        const at = cOffset + i * ldc + j;
        c[at] = (accumulate ? c[at] : 0) + (bias === null ? 0 : bias[j]);
      }
    }
    if (activation !== undefined) activateRows(rt, activation, c, cOffset, ldc, m, N);
    return;
  }
  const src = locateB(rt, b);
  const np = Math.ceil(N / PANEL) * PANEL;
  const perColumn = m + (src.data === null ? 0 : K);
  const chunk = Math.min(np, Math.max(PANEL, Math.floor(CHUNK_FLOATS / perColumn / PANEL) * PANEL));
  const layout = new ScratchLayout();
  const aAt = layout.take(m * K * 4);
  const cAt = layout.take(m * chunk * 4);
  const biasAt = bias === null ? -1 : layout.take(chunk * 4);
  const bAt = src.data === null ? -1 : layout.take(K * chunk * 4);
  const base = rt.heap.scratch(layout.size);
  copyRows(rt, a, aOffset, lda, base + aAt, K, m, K);
  const heap = rt.heap.f32();
  for (let col0 = 0; col0 < N; col0 += chunk) {
    const cols = Math.min(chunk, N - col0);
    const colsP = Math.ceil(cols / PANEL) * PANEL;
    if (accumulate) copyRows(rt, c, cOffset + col0, ldc, base + cAt, colsP, m, cols);
    if (bias !== null) copyPadded(rt, bias, col0, cols, base + biasAt, colsP);
    let bPtr: number;
    if (src.data === null) {
      bPtr = src.ptr + col0 * K * 4; // col0 is a whole number of panels
    } else {
      heap.set(src.data.subarray(col0 * K, (col0 + colsP) * K), (base + bAt) >> 2);
      bPtr = base + bAt;
    }
    const acc = accumulate ? 1 : 0;
    const biasPtr = bias === null ? 0 : base + biasAt;
    const gelu = activation === 'gelu' ? 1 : 0;
    if (rt.pool !== null && m * K * cols >= PARALLEL_MIN) {
      // Column chunks of whole panels, several per thread, claimed dynamically.
      const per = rt.pool.itemSize(cols, PANEL);
      rt.pool.run('gemmTask', Math.ceil(cols / per), [m, K, cols, base + aAt, K * 4, bPtr, base + cAt, colsP * 4, acc, biasPtr, gelu, per]);
    } else if (gelu) {
      rt.gemmTask(0, 0, m, K, cols, base + aAt, K * 4, bPtr, base + cAt, colsP * 4, acc, biasPtr, gelu, colsP);
    } else {
      rt.gemm(m, K, cols, base + aAt, K * 4, bPtr, base + cAt, colsP * 4, acc, biasPtr);
    }
    copyRowsOut(rt, base + cAt, colsP, c, cOffset + col0, ldc, m, cols);
  }
  if (activation !== undefined && activation !== 'gelu') activateRows(rt, activation, c, cOffset, ldc, m, N);
}

/** `activation` over rows of C [m, n] as the backend's `activate` applies it (GELU in wasm, others in JS). */
export function activateRows(rt: WasmRuntime, activation: Activation, c: Float32Array, offset: number, ld: number, m: number, n: number): void {
  for (let i = 0; i < m; i++) wasmActivate(rt, { activation, x: c, offset: offset + i * ld, length: n });
}
