/**
 * Packed B matrices of the wasm backend: panels of {@link PANEL} columns, normally resident in wasm memory
 * for the life of the model (packed once at load, read by every call without a copy).
 */
import type { PackArgs } from '../../backend.js';
import { heapPanels, type PanelMatrix } from '../../panel-matrix.js';
import { CHUNK_FLOATS, PANEL } from '../layout.js';
import { WasmHeapExhaustedError } from './heap.js';
import type { WasmRuntime } from './runtime.js';

/** Frees the wasm memory of matrices that were dropped without `dispose()`. */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<{ rt: WasmRuntime; ptr: number }>(({ rt, ptr }) => rt.heap.free(ptr))
  : null;

/** A packed matrix living in wasm memory. */
export class WasmPackedMatrix implements PanelMatrix {
  readonly panelWidth = PANEL;
  private ptr: number;

  constructor(readonly rows: number, readonly cols: number, ptr: number, private readonly rt: WasmRuntime) {
    this.ptr = ptr;
    finalizer?.register(this, { rt, ptr }, this);
  }

  /** Floats of the packed data (whole panels). */
  get length(): number {
    return Math.ceil(this.cols / PANEL) * PANEL * this.rows;
  }

  /** Byte address in wasm memory, for kernels. */
  pointerIn(rt: WasmRuntime): number | null {
    if (rt !== this.rt) return null;
    if (this.ptr === 0) throw new Error('packed matrix used after dispose()');
    return this.ptr;
  }

  /** A view of the packed data in wasm memory: copy it if you keep it, it detaches when the memory grows. */
  get data(): Float32Array {
    if (this.ptr === 0) throw new Error('packed matrix used after dispose()');
    return this.rt.heap.f32().subarray(this.ptr >> 2, (this.ptr >> 2) + this.length);
  }

  dispose(): void {
    if (this.ptr === 0) return;
    finalizer?.unregister(this);
    this.rt.heap.free(this.ptr);
    this.ptr = 0;
  }
}

/** Packs in plain TypeScript, into `into` when it is large enough (transient packs, and the fallback). */
export function packOnHeap({ source: b, rows: k, cols: n, transposed, offset = 0, stride, into }: PackArgs): PanelMatrix {
  const rowStride = stride ?? (transposed ? k : n);
  const size = Math.ceil(n / PANEL) * PANEL * k;
  const data = into !== undefined && into.length >= size ? into.subarray(0, size) : new Float32Array(size);
  packInto(data, 0, b, k, n, transposed, offset, rowStride);
  return heapPanels(data, k, n, PANEL);
}

function packInto(
  data: Float32Array, at: number, b: Float32Array, k: number, n: number, transposed: boolean, offset: number, rowStride: number,
): void {
  const panels = Math.ceil(n / PANEL);
  for (let p = 0; p < panels; p++) {
    const base = at + p * k * PANEL;
    for (let j = 0; j < PANEL; j++) {
      const col = p * PANEL + j;
      if (col >= n) {
        for (let kk = 0; kk < k; kk++) data[base + kk * PANEL + j] = 0;
      } else if (transposed) {
        const src = offset + col * rowStride;
        for (let kk = 0; kk < k; kk++) data[base + kk * PANEL + j] = b[src + kk];
      } else {
        for (let kk = 0, src = offset + col; kk < k; kk++, src += rowStride) data[base + kk * PANEL + j] = b[src];
      }
    }
  }
}

/**
 * Packs B into wasm memory, as `packB` of the reference backend reads it. Source rows go through scratch
 * memory in chunks, then the packing kernel lays them out. Returns a heap-resident packing instead when
 * the wasm address space is exhausted.
 */
export function packResident(rt: WasmRuntime, args: PackArgs): PanelMatrix {
  const { source: b, rows: k, cols: n, transposed, offset = 0 } = args;
  const rowStride = args.stride ?? (transposed ? k : n);
  const panels = Math.ceil(n / PANEL);
  let ptr: number;
  try {
    ptr = rt.heap.alloc(panels * PANEL * k * 4);
  } catch (e) {
    if (e instanceof WasmHeapExhaustedError) return packOnHeap({ ...args, into: undefined });
    throw e;
  }
  const packed = new WasmPackedMatrix(k, n, ptr, rt);
  if (n === 0 || k === 0) return packed;
  if (transposed) {
    // Columns of B are rows of the source: copy whole panels' worth of rows at a time.
    const perChunk = Math.max(1, Math.floor(CHUNK_FLOATS / (PANEL * k))) * PANEL;
    for (let col0 = 0; col0 < n; col0 += perChunk) {
      const cols = Math.min(perChunk, n - col0);
      const s = rt.heap.scratch(cols * k * 4 + 64);
      copyRows(rt, b, offset + col0 * rowStride, rowStride, s, k, cols, k);
      rt.packT(s, k * 4, cols, k, ptr + (col0 / PANEL) * k * PANEL * 4);
    }
  } else if (k * n <= CHUNK_FLOATS) {
    const s = rt.heap.scratch(k * n * 4 + 64);
    copyRows(rt, b, offset, rowStride, s, n, k, n);
    rt.packN(s, n * 4, k, n, ptr);
  } else {
    packInto(rt.heap.f32(), ptr >> 2, b, k, n, false, offset, rowStride);
  }
  return packed;
}

/** Copies `rows` rows of `cols` floats from src (stride srcStride) to wasm address dst (stride dstStride floats). */
export function copyRows(
  rt: WasmRuntime, src: Float32Array, srcOffset: number, srcStride: number, dst: number, dstStride: number, rows: number, cols: number,
): void {
  const heap = rt.heap.f32();
  const d = dst >> 2;
  if (srcStride === cols && dstStride === cols) {
    heap.set(src.subarray(srcOffset, srcOffset + rows * cols), d);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = srcOffset + r * srcStride;
    heap.set(src.subarray(s, s + cols), d + r * dstStride);
  }
}

/** Copies src[from, from + count) to wasm address dst and zeroes what follows up to `padded` floats (a bias chunk padded to whole panels). */
export function copyPadded(rt: WasmRuntime, src: Float32Array, from: number, count: number, dst: number, padded: number): void {
  const heap = rt.heap.f32();
  const d = dst >> 2;
  heap.set(src.subarray(from, from + count), d);
  heap.fill(0, d + count, d + padded);
}

/** Copies `rows` rows of `cols` floats from wasm address src (stride srcStride floats) to dst (stride dstStride). */
export function copyRowsOut(
  rt: WasmRuntime, src: number, srcStride: number, dst: Float32Array, dstOffset: number, dstStride: number, rows: number, cols: number,
): void {
  const heap = rt.heap.f32();
  const s = src >> 2;
  if (srcStride === cols && dstStride === cols) {
    dst.set(heap.subarray(s, s + rows * cols), dstOffset);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const from = s + r * srcStride;
    dst.set(heap.subarray(from, from + cols), dstOffset + r * dstStride);
  }
}
