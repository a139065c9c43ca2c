/**
 * The matmul module: C[m, n] = (C or 0) + A[m, k] · B[k, n] (+ bias) over wasm memory, with B packed
 * into panels of `nr` columns ([panels][k][nr], zero-padded) and a register tile of `mr` rows × `nr`
 * columns held in mr · nr / 4 vector accumulators. A is broadcast from memory one element at a time (v128.load32_splat).
 * K is split into blocks of `kc` so the panel slice being swept stays in L1 while every row tile of A
 * passes over it.
 */
import { FunctionBuilder, I32, V128, type Local } from '../emit/function-builder.js';
import { ModuleBuilder, type MemoryImport } from '../emit/module-builder.js';
import { PANEL } from '../layout.js';

/** Shape of the generated kernel. */
export interface GemmOptions {
  /** Rows per register tile. */
  mr: number;
  /** Columns per panel and register tile (a multiple of 4). */
  nr: number;
  /** K block. */
  kc: number;
  /** Use f32x4.relaxed_madd (one rounding) instead of mul + add. */
  fma: boolean;
}

/**
 * A tile kernel (a, lda, b, kc, c, ldc, load, bias): C[rows, nr] = (load ? C : 0) + (bias ? bias[nr] : 0) +
 * A[rows, kc] · Bpanel[kc, nr], where A rows are `lda` bytes apart, C rows `ldc` bytes apart, the panel
 * slice is contiguous and `bias` is a pointer (0 for none). kc >= 1.
 */
function tile(rows: number, { nr, fma }: GemmOptions): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, b, kc, c, ldc, load, bias] = [0, 1, 2, 3, 4, 5, 6, 7];
  const nv = nr / 4;
  const aRow: Local[] = [a];
  const cRow: Local[] = [c];
  for (let r = 1; r < rows; r++) {
    const ar = f.local(I32);
    f.get(aRow[r - 1]).get(lda).add().set(ar);
    aRow.push(ar);
    const cr = f.local(I32);
    f.get(cRow[r - 1]).get(ldc).add().set(cr);
    cRow.push(cr);
  }
  const acc: Local[][] = [];
  for (let r = 0; r < rows; r++) {
    acc.push([]);
    for (let v = 0; v < nv; v++) acc[r].push(f.local(V128));
  }
  f.get(load).if(() => {
    for (let r = 0; r < rows; r++) for (let v = 0; v < nv; v++) f.get(cRow[r]).v128Load(16 * v).set(acc[r][v]);
  });
  f.get(bias).if(() => {
    for (let v = 0; v < nv; v++) {
      for (let r = 0; r < rows; r++) f.get(acc[r][v]).get(bias).v128Load(16 * v).f32x4Add().set(acc[r][v]);
    }
  });
  const bv: Local[] = [];
  for (let v = 0; v < nv; v++) bv.push(f.local(V128));
  const av = f.local(V128);
  const end = f.local(I32);
  f.get(b).get(kc).i32(nr * 4).mul().add().set(end);
  f.loop(() => {
    for (let v = 0; v < nv; v++) f.get(b).v128Load(16 * v).set(bv[v]);
    for (let r = 0; r < rows; r++) {
      f.get(aRow[r]).loadSplat().set(av);
      for (let v = 0; v < nv; v++) {
        if (fma) f.get(av).get(bv[v]).get(acc[r][v]).relaxedMadd().set(acc[r][v]);
        else f.get(acc[r][v]).get(av).get(bv[v]).f32x4Mul().f32x4Add().set(acc[r][v]);
      }
      f.get(aRow[r]).i32(4).add().set(aRow[r]);
    }
    f.get(b).i32(nr * 4).add().tee(b).get(end).ltU().brIf(0); // unsigned: pointers may pass 2 GiB
  });
  for (let r = 0; r < rows; r++) for (let v = 0; v < nv; v++) f.get(cRow[r]).get(acc[r][v]).v128Store(16 * v);
  return f;
}

/**
 * gemm(m, k, n, a, lda, b, c, ldc, accumulate, bias): C = (accumulate ? C : 0) + A · B (+ bias) over all n
 * columns rounded up to whole panels, so C rows must have room for ceil(n / nr) · nr columns (padded
 * columns get 0 or keep their value plus 0). Pointers and strides in bytes; bias 0 for none.
 */
function driver(o: GemmOptions, tiles: number[]): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [m, K, N, a, lda, b, c, ldc, accumulate, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const load = f.local(I32), bp0 = f.local(I32);
  const k0 = f.local(I32), kc = f.local(I32), col = f.local(I32), i = f.local(I32);
  const bp = f.local(I32), cp = f.local(I32), ap = f.local(I32), panelBytes = f.local(I32), fullRows = f.local(I32);
  f.get(K).i32(o.nr * 4).mul().set(panelBytes);
  f.get(m).i32(o.mr).sub().set(fullRows);
  f.forLt(k0, () => f.i32(0), K, o.kc, () => {
    f.get(K).get(k0).sub().set(kc);
    f.i32(o.kc).get(kc).get(kc).i32(o.kc).gtS().select().set(kc); // min(kc, K - k0)
    f.get(b).get(k0).i32(o.nr * 4).mul().add().set(bp); // rows k0.. of panel 0
    f.forLt(col, () => f.i32(0), N, o.nr, () => {
      f.get(a).get(k0).i32(4).mul().add().set(ap);
      f.get(c).get(col).i32(4).mul().add().set(cp);
      // Only the first K block starts from zero or C and adds the bias; later ones accumulate.
      f.get(k0).if(() => { f.i32(1).set(load).i32(0).set(bp0); }, () => {
        f.get(accumulate).set(load);
        f.get(bias).if(() => f.get(bias).get(col).i32(4).mul().add().set(bp0), () => f.i32(0).set(bp0));
      });
      f.forLt(i, () => f.i32(0), () => f.get(fullRows).i32(1).add(), o.mr, () => {
        f.get(ap).get(lda).get(bp).get(kc).get(cp).get(ldc).get(load).get(bp0).call(tiles[o.mr - 1]);
        f.get(ap).get(lda).i32(o.mr).mul().add().set(ap);
        f.get(cp).get(ldc).i32(o.mr).mul().add().set(cp);
      });
      // the last m mod mr rows, by the matching smaller tile
      for (let r = 1; r < o.mr; r++) {
        f.get(m).get(i).sub().i32(r).eq().if(() => {
          f.get(ap).get(lda).get(bp).get(kc).get(cp).get(ldc).get(load).get(bp0).call(tiles[r - 1]);
        });
      }
      f.get(bp).get(panelBytes).add().set(bp);
    });
  });
  return f;
}

/**
 * gemmTask(item, thread, m, k, n, a, lda, b, c, ldc, accumulate, bias, gelu, chunk): the gemm restricted to
 * columns [item · chunk, (item + 1) · chunk), chunk a multiple of the panel width, then with `gelu` GELU over
 * them (C rows hold whole panels): one unit of work a thread claims. Items past n do nothing.
 */
function task(gemm: number, geluKernel: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [item, m, K, N, a, lda, b, c, ldc, accumulate, bias, gelu, chunk] = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]; // 1: thread
  const col0 = f.local(I32), cols = f.local(I32), i = f.local(I32), row = f.local(I32);
  f.get(item).get(chunk).mul().tee(col0).get(N).geS().if(() => f.ret());
  f.get(N).get(col0).sub().set(cols);
  f.get(chunk).get(cols).get(cols).get(chunk).gtS().select().set(cols); // min(chunk, n - col0)
  f.get(m).get(K).get(cols).get(a).get(lda);
  f.get(b).get(col0).get(K).mul().i32(4).mul().add(); // col0 is a whole number of panels
  f.get(c).get(col0).i32(4).mul().add();
  f.get(ldc).get(accumulate);
  f.get(bias).get(col0).i32(4).mul().add().i32(0).get(bias).select(); // bias ? bias + col0 : 0
  f.call(gemm);
  // GELU by the norm module's own kernel, each row of the chunk while it is in cache: whole panels (C rows
  // are padded to a panel), so an even number of vectors as the kernel takes them.
  f.get(gelu).if(() => {
    f.get(cols).i32(PANEL - 1).add().i32(-PANEL).and().i32(2).shrU().set(cols); // vectors per row
    f.get(c).get(col0).i32(4).mul().add().set(row);
    f.forLt(i, () => f.i32(0), m, 1, () => {
      f.get(row).get(cols).call(geluKernel);
      f.get(row).get(ldc).add().set(row);
    });
  });
  return f;
}

/** The module bytes: exports `gemm` and `gemmTask` (the tile kernels are internal); imports the norm module's `gelu`. */
export function gemmModule(o: GemmOptions, memory?: MemoryImport): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(memory);
  const geluKernel = mod.importFunction('gelu', [I32, I32]); // the norm module's (instantiated first)
  const tiles: number[] = [];
  for (let r = 1; r <= o.mr; r++) tiles.push(mod.add(null, tile(r, o)));
  const gemm = mod.add('gemm', driver(o, tiles));
  mod.add('gemmTask', task(gemm, geluKernel));
  return mod.bytes();
}
