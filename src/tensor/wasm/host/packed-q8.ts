/**
 * Int8 weights of the wasm backend, resident in wasm memory in the panel layout of kernels/gemm-q8.ts (one
 * block: the panels, then [np] float32 scales, then [np] int32 corrections 8192 · Σ_k W[n, k]), with the
 * way back to canonical int8 rows so that other backends can adopt them.
 */
import type { PackedQ8Matrix } from '../../backend.js';
import { q8MatrixOf, type Q8Matrix } from '../../q8-matrix.js';
import type { Int8Rows } from '../../quant.js';
import { Q8_K_ALIGN, Q8_PANEL } from '../layout.js';
import type { WasmRuntime } from './runtime.js';

/** Frees the wasm memory of packs dropped without `dispose()`. */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<{ rt: WasmRuntime; ptr: number }>(({ rt, ptr }) => rt.heap.free(ptr))
  : null;

/**
 * Moves W between rows [np, kp] (zero-padded) and panels, both as byte arrays. In a panel the bytes of one
 * channel at one step (2 k plain, 4 k relaxed) are adjacent, and steps hold 8 channels in order, so as
 * units of that size it is a transpose of each panel's [8][steps] units into [steps][8] (bit patterns
 * moved whole, so byte order does not matter).
 */
function transpose(rows: Uint8Array, panels: Uint8Array, kp: number, np: number, relaxed: boolean, toPanels: boolean): void {
  const units = (b: Uint8Array) => (relaxed ? new Uint32Array(b.buffer, b.byteOffset, b.length >> 2) : new Uint16Array(b.buffer, b.byteOffset, b.length >> 1));
  const r = units(rows), p = units(panels);
  const steps = kp / (relaxed ? 4 : 2);
  for (let base = 0; base < np * steps; base += Q8_PANEL * steps) {
    for (let c = 0; c < Q8_PANEL; c++) {
      const row = base + c * steps;
      if (toPanels) for (let s = 0; s < steps; s++) p[base + s * Q8_PANEL + c] = r[row + s];
      else for (let s = 0; s < steps; s++) r[row + s] = p[base + s * Q8_PANEL + c];
    }
  }
}

/** An int8 weight W [N, K] packed for one runtime's q8 kernel. */
export class WasmQ8Matrix implements Q8Matrix {
  /** K padded with zero weights to a multiple of {@link Q8_K_ALIGN}. */
  readonly kp: number;
  /** N padded with zero channels to whole panels. */
  readonly np: number;
  private ptr: number;

  constructor(readonly rows: number, readonly cols: number, readonly relaxed: boolean, private readonly rt: WasmRuntime) {
    this.kp = Math.max(Q8_K_ALIGN, Math.ceil(rows / Q8_K_ALIGN) * Q8_K_ALIGN);
    this.np = Math.ceil(cols / Q8_PANEL) * Q8_PANEL;
    this.ptr = rt.heap.alloc(this.np * (this.kp + 8)); // may throw WasmHeapExhaustedError
    finalizer?.register(this, { rt, ptr: this.ptr }, this);
  }

  /** Byte address of the panels in `rt`'s memory, or null when this pack belongs to another runtime. */
  pointerIn(rt: WasmRuntime): number | null {
    if (rt !== this.rt) return null;
    if (this.ptr === 0) throw new Error('packed q8 matrix used after dispose()');
    return this.ptr;
  }

  /** Byte address of the [np] float32 scales (zero past N). */
  get scalesPtr(): number {
    return this.ptr + this.np * this.kp;
  }

  /** Byte address of the [np] int32 corrections of the relaxed kernel. */
  get corrPtr(): number {
    return this.scalesPtr + this.np * 4;
  }

  /** Lays out W [N, K] (int8 rows and scales) in this pack's memory. */
  write({ data, scales }: Int8Rows): void {
    const { rows: k, cols: n, kp, np } = this;
    const rows = new Int8Array(np * kp);
    const corr = new Int32Array(np); // only the relaxed kernel reads it
    for (let c = 0; c < n; c++) {
      const row = data.subarray(c * k, (c + 1) * k);
      rows.set(row, c * kp);
      if (!this.relaxed) continue;
      let sum = 0;
      for (let j = 0; j < k; j++) sum += row[j];
      corr[c] = Math.imul(8192, sum); // wraps like the kernel's int32 arithmetic
    }
    const heap = this.rt.heap;
    transpose(new Uint8Array(rows.buffer), heap.u8().subarray(this.ptr, this.ptr + np * kp), kp, np, this.relaxed, true);
    heap.f32().fill(0, this.scalesPtr >> 2, (this.scalesPtr >> 2) + np).set(scales.subarray(0, n), this.scalesPtr >> 2);
    heap.i32().set(corr, this.corrPtr >> 2);
  }

  /** W as contiguous int8 rows [N, K] and scales [N] (copies out of wasm memory). */
  canonical(): Int8Rows {
    if (this.ptr === 0) throw new Error('packed q8 matrix used after dispose()');
    const { rows: k, cols: n, kp, np } = this;
    const heap = this.rt.heap;
    const rows = new Uint8Array(np * kp);
    transpose(rows, heap.u8().subarray(this.ptr, this.ptr + np * kp), kp, np, this.relaxed, false);
    const data = new Int8Array(n * k);
    for (let c = 0; c < n; c++) data.set(new Int8Array(rows.buffer, c * kp, k), c * k);
    const scales = heap.f32().slice(this.scalesPtr >> 2, (this.scalesPtr >> 2) + n);
    return { data, scales };
  }

  /** Frees its wasm memory; idempotent. */
  dispose(): void {
    if (this.ptr === 0) return;
    finalizer?.unregister(this);
    this.rt.heap.free(this.ptr);
    this.ptr = 0;
  }
}

/** Packs int8 rows into `rt`'s memory (throws WasmHeapExhaustedError when they do not fit). */
export function packQ8Resident(rt: WasmRuntime, rows: number, cols: number, w: Int8Rows): WasmQ8Matrix {
  const packed = new WasmQ8Matrix(rows, cols, rt.relaxedQ8, rt);
  packed.write(w);
  return packed;
}

/**
 * The pack `p` as this runtime's kernel reads it: its own, or another backend's (the JS one, another wasm
 * runtime) copied in on first use and cached per runtime.
 */
export function locateQ8(rt: WasmRuntime, p: PackedQ8Matrix): WasmQ8Matrix {
  if (p instanceof WasmQ8Matrix && p.pointerIn(rt) !== null) return p;
  let mine = rt.adoptedQ8.get(p);
  if (mine === undefined) {
    mine = packQ8Resident(rt, p.rows, p.cols, q8MatrixOf(p).canonical());
    rt.adoptedQ8.set(p, mine);
  }
  return mine;
}
