/**
 * Cache-blocked, register-tiled float32 matrix multiply in plain TypeScript.
 *
 * B is packed once into column panels of NR = 4 columns with K contiguous inside a panel, so the micro
 * kernel reads it sequentially; weights are packed at load time and reused by every call. The micro
 * kernel keeps a 4x4 tile of C in local variables (16 accumulators: V8 keeps them in registers) and K is
 * split into blocks of KC so the panel slice being swept stays in L1.
 */
import { activate } from './activations.js';
import type { GemmArgs, PackArgs, PackedMatrix } from '../backend.js';
import { heapPanels, panelsOf, repack, type PanelMatrix } from '../panel-matrix.js';

/** Columns per packed panel (and per register tile). */
export const NR = 4;
/** Rows per register tile. */
const MR = 4;
/** K block: KC x NR floats of B (4 KiB) stay in L1 while MR rows of A stream past. */
const KC = 256;

/** Other backends' packings, repacked for this one on first use. */
const repacked = new WeakMap<PackedMatrix, PanelMatrix>();

/** `p` in this backend's layout (itself when it already is). */
export function asJsPacked(p: PackedMatrix): PanelMatrix {
  const panels = panelsOf(p);
  if (panels.panelWidth === NR) return panels;
  let mine = repacked.get(p);
  if (mine === undefined) {
    mine = repack(panels, NR);
    repacked.set(p, mine);
  }
  return mine;
}

/**
 * Packs B for {@link gemm} in panels of {@link NR} columns. B[r, c] is read at `source[offset + r * stride + c]`,
 * or, when `transposed`, at `source[offset + c * stride + r]` (so a Linear weight `W [out, in]` packs as the
 * transposed B of `x W^T`).
 */
export function packB({ source: b, rows: k, cols: n, transposed, offset = 0, stride, into }: PackArgs): PanelMatrix {
  const rowStride = stride ?? (transposed ? k : n);
  const panels = Math.ceil(n / NR);
  const size = panels * k * NR;
  const data = into !== undefined && into.length >= size ? into.subarray(0, size) : new Float32Array(size);
  for (let p = 0; p < panels; p++) {
    const base = p * k * NR;
    const cols = Math.min(NR, n - p * NR);
    for (let j = 0; j < NR; j++) {
      if (j >= cols) {
        for (let kk = 0; kk < k; kk++) data[base + kk * NR + j] = 0;
        continue;
      }
      const col = p * NR + j;
      if (transposed) {
        const src = offset + col * rowStride;
        for (let kk = 0; kk < k; kk++) data[base + kk * NR + j] = b[src + kk];
      } else {
        let src = offset + col;
        for (let kk = 0; kk < k; kk++, src += rowStride) data[base + kk * NR + j] = b[src];
      }
    }
  }
  return heapPanels(data, k, n, NR);
}

/**
 * C[m, n] = A[m, :] . B[:, n] (+ bias[n]) (+ C[m, n] when `accumulate`).
 * A is read at `a[aOffset + m * aStride + k]`; C is written at `out[outOffset + m * outStride + n]`.
 */
export function gemm({ m, a, aOffset = 0, aStride, b, out: c, outOffset: cOffset = 0, outStride, bias = null, accumulate = false, activation }: GemmArgs): void {
  const { rows: K, cols: N, data: B } = asJsPacked(b);
  const lda = aStride ?? K;
  const ldc = outStride ?? N;
  const panels = Math.ceil(N / NR);
  // Initialise C once, so every K block can simply accumulate.
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (!accumulate) {
      if (bias === null) c.fill(0, row, row + N);
      else for (let j = 0; j < N; j++) c[row + j] = bias[j];
    } else if (bias !== null) {
      for (let j = 0; j < N; j++) c[row + j] += bias[j];
    }
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    for (let p = 0; p < panels; p++) {
      const pb = p * K * NR + k0 * NR;
      const col = p * NR;
      const cols = Math.min(NR, N - col);
      let i = 0;
      for (; i + MR <= m; i += MR) {
        tile4x4(a, aOffset + i * lda + k0, lda, B, pb, kc, c, cOffset + i * ldc + col, ldc, cols);
      }
      for (; i < m; i++) {
        tile1x4(a, aOffset + i * lda + k0, B, pb, kc, c, cOffset + i * ldc + col, cols);
      }
    }
  }
  if (activation !== undefined) for (let i = 0; i < m; i++) activate({ activation, x: c, offset: cOffset + i * ldc, length: N });
}

function tile4x4(
  a: Float32Array, a0: number, lda: number,
  b: Float32Array, b0: number, kc: number,
  c: Float32Array, c0: number, ldc: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
  for (let kk = 0, bi = b0; kk < kc; kk++, bi += 4) {
    const b0v = b[bi], b1v = b[bi + 1], b2v = b[bi + 2], b3v = b[bi + 3];
    const x0 = a[a0 + kk], x1 = a[a1 + kk], x2 = a[a2 + kk], x3 = a[a3 + kk];
    c00 += x0 * b0v; c01 += x0 * b1v; c02 += x0 * b2v; c03 += x0 * b3v;
    c10 += x1 * b0v; c11 += x1 * b1v; c12 += x1 * b2v; c13 += x1 * b3v;
    c20 += x2 * b0v; c21 += x2 * b1v; c22 += x2 * b2v; c23 += x2 * b3v;
    c30 += x3 * b0v; c31 += x3 * b1v; c32 += x3 * b2v; c33 += x3 * b3v;
  }
  const r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  store(c, c0, cols, c00, c01, c02, c03);
  store(c, r1, cols, c10, c11, c12, c13);
  store(c, r2, cols, c20, c21, c22, c23);
  store(c, r3, cols, c30, c31, c32, c33);
}

/** Adds the first `cols` of four values into a row of C (the ragged last panel). */
function store(c: Float32Array, at: number, cols: number, v0: number, v1: number, v2: number, v3: number): void {
  c[at] += v0;
  if (cols > 1) c[at + 1] += v1;
  if (cols > 2) c[at + 2] += v2;
  if (cols > 3) c[at + 3] += v3;
}

function tile1x4(
  a: Float32Array, a0: number,
  b: Float32Array, b0: number, kc: number,
  c: Float32Array, c0: number, cols: number,
): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let kk = 0, bi = b0; kk < kc; kk++, bi += 4) {
    const x = a[a0 + kk];
    s0 += x * b[bi]; s1 += x * b[bi + 1]; s2 += x * b[bi + 2]; s3 += x * b[bi + 3];
  }
  store(c, c0, cols, s0, s1, s2, s3);
}
