/**
 * The int8 matmul module of `dtype: 'q8'` (scheme in tensor/quant.ts): activations quantized per row in
 * SIMD, exact int32 dot products against int8 weights packed in panels of {@link Q8_PANEL} channels, then
 * the float32 dequantization, each step the same float32 operation as the TypeScript reference so the
 * results agree bit for bit. Pointers and strides in bytes; K is padded to {@link Q8_K_ALIGN} with zeros.
 *
 * Two variants, by the multiply instruction:
 * - plain SIMD: `i32x4.dot_i16x8_s`. A row is int16 [kp]; a panel is [kp / 2] vectors of 8 channels × 2 k
 *   (byte 2c + j = channel c, k + j). Each vector, widened to two i16x8, meets a splat of two activations:
 *   4 channels × 2 k per dot.
 * - relaxed SIMD: `i16x8.relaxed_dot_i8x16_i7x16_s`, whose second operand must be 7-bit non-negative (x86
 *   lowers it to pmaddubsw, which reads it unsigned). x + 8192 is in [0, 16383], so it splits into
 *   hi = (x + 8192) >> 7 and lo = (x + 8192) & 127; a row is, per 4 k, 4 hi bytes then 4 lo bytes (2 · kp
 *   bytes, as int16). A panel is [kp / 4] pairs of vectors of 4 channels × 4 k (byte 4c + j = channel c,
 *   k + j). Then Σ w·x = 128·Σ w·hi + Σ w·lo − 8192·Σ w: the i16 pair sums widen to i32 with a dot
 *   against 128 (hi) or 1 (lo), and the last term is precomputed per channel at pack time. The int32 arithmetic wraps, harmlessly: the true sum fits int32 (quant.ts bounds
 *   the activation range), so it is exact modulo 2^32.
 *   Not `i32x4.relaxed_dot_i8x16_i7x16_add_s`: V8 11 (Node 20) miscompiles it in multi-row tiles (one
 *   row's accumulator came back as the i16x8 splat of 1 it uses internally), and on x86 without VNNI it
 *   lowers to the same three instructions anyway.
 */
import { F32, FunctionBuilder, I32, V128, type Local } from '../emit/function-builder.js';
import { ModuleBuilder, type MemoryImport } from '../emit/module-builder.js';
import { Q8_KC, Q8_PANEL, Q8_TILE_ROWS } from '../layout.js';

/** Groups of 4 bytes of two vectors, alternated: a0 b0 a1 b1 (low halves), a2 b2 a3 b3 (high halves). */
const INTERLEAVE_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const INTERLEAVE_HIGH = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];

/**
 * A tile kernel (a, b, kc, c, ldc, load, corr): the int32 C[rows, 8] = (load ? C : start) + A[rows, kc] ·
 * panel slice [kc, 8]. A is the tile's rows interleaved (as {@link quantize} writes them for the plain kernel,
 * and {@link pack} lays out rows quantized elsewhere): per step, each row's unit (2 k as
 * int16, or the relaxed kernel's 4 k of hi/lo bytes) in turn, so one pointer walks all rows and every load
 * has a constant offset. start is 0, or for the relaxed kernel -corr[8] = -8192 · Σ_k w. kc is a multiple of 4.
 */
function tile(rows: number, relaxed: boolean): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32]);
  const [a, b, kc, c, ldc, load, corr] = [0, 1, 2, 3, 4, 5, 6];
  const unit = relaxed ? 8 : 4; // A bytes per row per step
  const cRow: Local[] = [c];
  for (let r = 1; r < rows; r++) {
    cRow.push(f.local(I32));
    f.get(cRow[r - 1]).get(ldc).add().set(cRow[r]);
  }
  const acc = Array.from({ length: rows }, () => [f.local(V128), f.local(V128)]);
  const w = [f.local(V128), f.local(V128)];
  const hi = f.local(V128), lo = f.local(V128), k128 = f.local(V128), k1 = f.local(V128);
  const end = f.local(I32);
  const eachAcc = (body: (r: number, v: number) => void) => {
    for (let r = 0; r < rows; r++) for (let v = 0; v < 2; v++) body(r, v);
  };
  const loadC = () => eachAcc((r, v) => f.get(cRow[r]).v128Load(16 * v).set(acc[r][v]));
  const minusCorr = () => eachAcc((r, v) => f.i32x4Const(0).get(corr).v128Load(16 * v).i32x4Sub().set(acc[r][v]));
  f.get(load).if(loadC, relaxed ? minusCorr : undefined);
  if (relaxed) f.i32x4Const(0x00800080).set(k128).i32x4Const(0x00010001).set(k1); // eight i16 lanes of 128, of 1
  // One step (2 or 4 k) per iteration: unrolling measured slower (V8 then keeps more vectors live than
  // the 16 registers hold).
  const stepBytes = relaxed ? 32 : 16; // weight bytes per step: 8 channels × 4 or 2 k
  f.get(b).get(kc).i32(Q8_PANEL).mul().add().set(end);
  f.loop(() => {
    if (relaxed) {
      for (let v = 0; v < 2; v++) f.get(b).v128Load(16 * v).set(w[v]);
    } else {
      f.get(b).v128Load().tee(w[1]).i16x8ExtendLowI8x16().set(w[0]);
      f.get(w[1]).i16x8ExtendHighI8x16().set(w[1]);
    }
    for (let r = 0; r < rows; r++) {
      if (relaxed) {
        // 4 hi bytes then 4 lo bytes of x + 8192: acc += 128 · Σ w·hi + Σ w·lo, the i16 pair sums (at most
        // 2 · 127²) widened to i32 by a dot against 128 or 1
        f.get(a).loadSplat(unit * r).set(hi);
        f.get(a).loadSplat(unit * r + 4).set(lo);
        for (let v = 0; v < 2; v++) {
          f.get(acc[r][v]).get(w[v]).get(hi).relaxedDotI8x16I7x16().get(k128).i32x4DotI16x8().i32x4Add();
          f.get(w[v]).get(lo).relaxedDotI8x16I7x16().get(k1).i32x4DotI16x8().i32x4Add().set(acc[r][v]);
        }
      } else {
        f.get(a).loadSplat(unit * r).set(hi); // two int16 activations
        for (let v = 0; v < 2; v++) f.get(acc[r][v]).get(w[v]).get(hi).i32x4DotI16x8().i32x4Add().set(acc[r][v]);
      }
    }
    f.get(a).i32(unit * rows).add().set(a);
    f.get(b).i32(stepBytes).add().tee(b).get(end).ltU().brIf(0); // unsigned: pointers may pass 2 GiB
  });
  eachAcc((r, v) => f.get(cRow[r]).get(acc[r][v]).v128Store(16 * v));
  return f;
}

/**
 * dot(m, kp, np, a, b, c, ldc, corr): the int32 C[m, np] = A · Wᵀ over whole panels, K in blocks of
 * {@link Q8_KC} (the panel slice stays in L1 while the row tiles pass). A: rows packed in tiles ({@link pack}),
 * so the tile at row i (of r rows) starts at a + 2 · kp · i, and its K block k0 at 2 · r · k0 bytes in.
 * b: panels of kp · 8 bytes.
 */
function driver(tiles: number[]): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [m, kp, np, a, b, c, ldc, corr] = [0, 1, 2, 3, 4, 5, 6, 7];
  const k0 = f.local(I32), kc = f.local(I32), col = f.local(I32), i = f.local(I32), load = f.local(I32);
  const bp = f.local(I32), cp = f.local(I32), cr = f.local(I32), fullRows = f.local(I32);
  const mr = Q8_TILE_ROWS;
  f.get(m).i32(mr).sub().set(fullRows);
  f.forLt(k0, () => f.i32(0), kp, Q8_KC, () => {
    f.get(kp).get(k0).sub().set(kc);
    f.i32(Q8_KC).get(kc).get(kc).i32(Q8_KC).gtS().select().set(kc); // min(KC, kp - k0)
    f.get(k0).i32(0).ne().set(load); // later K blocks add to C
    f.get(b).get(k0).i32(Q8_PANEL).mul().add().set(bp);
    f.forLt(col, () => f.i32(0), np, Q8_PANEL, () => {
      f.get(corr).get(col).i32(4).mul().add().set(cr);
      const call = (r: number) => {
        f.get(a).get(i).get(kp).mul().i32(2).mul().add().get(k0).i32(2 * r).mul().add(); // the tile's K block
        f.get(bp).get(kc);
        f.get(c).get(i).get(ldc).mul().add().get(col).i32(4).mul().add().set(cp);
        f.get(cp).get(ldc).get(load).get(cr).call(tiles[r - 1]);
      };
      f.forLt(i, () => f.i32(0), () => f.get(fullRows).i32(1).add(), mr, () => call(mr));
      for (let r = 1; r < mr; r++) f.get(m).get(i).sub().i32(r).eq().if(() => call(r));
      f.get(bp).get(kp).i32(Q8_PANEL).mul().add().set(bp);
    });
  });
  return f;
}

/**
 * Sets `to` to where row `i` of A (of m rows, `rowBytes` each) starts in the row tiles at `dst`, and `stride`
 * to the bytes between its consecutive `unit`-byte units: rows 4t .. 4t + r - 1 (r = min(4, m - 4t)) are the
 * tile at dst + 4 · rowBytes · t, each step's unit of every row of the tile in turn (4 = Q8_TILE_ROWS).
 */
function tileRow(f: FunctionBuilder, i: Local, m: Local, rowBytes: Local, dst: Local, unit: number, to: Local, stride: Local): void {
  const tileStart = -Q8_TILE_ROWS, inTile = Q8_TILE_ROWS - 1; // masks (Q8_TILE_ROWS is a power of 2)
  f.get(m).get(i).i32(tileStart).and().sub().set(stride);
  f.i32(Q8_TILE_ROWS).get(stride).get(stride).i32(Q8_TILE_ROWS).gtS().select().i32(unit).mul().set(stride);
  f.get(dst).get(i).i32(tileStart).and().get(rowBytes).mul().add().get(i).i32(inTile).and().i32(unit).mul().add().set(to);
}

/**
 * packQ8Rows(q, m, kp, dst): rows of A (2 · kp bytes each: int16, or the relaxed kernel's hi/lo bytes) into
 * the tiles the kernel reads ({@link tileRow}), in units of `unit` bytes (4, or 8 relaxed).
 */
function pack(unit: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32]);
  const [q, m, kp, dst] = [0, 1, 2, 3];
  const i = f.local(I32), j = f.local(I32), stride = f.local(I32), from = f.local(I32), to = f.local(I32), rowBytes = f.local(I32);
  f.get(kp).i32(2).mul().set(rowBytes);
  f.forLt(i, () => f.i32(0), m, 1, () => {
    tileRow(f, i, m, rowBytes, dst, unit, to, stride);
    f.get(q).get(i).get(rowBytes).mul().add().set(from);
    f.forLt(j, () => f.i32(0), rowBytes, unit, () => {
      for (let o = 0; o < unit; o += 4) f.get(to).get(from).get(j).add().i32Load(o).i32Store(o);
      f.get(to).get(stride).add().set(to);
    });
  });
  return f;
}

/**
 * dequantize(m, np, c, ldc, sx, ws, bias, out, ldo, accumulate, gelu): out[i, n] = (accumulate ? out[i, n] : 0) +
 * (f32(c[i, n]) · (sx[i] · ws[n]) + bias[n]), every operation a float32 one in the reference's order
 * (tensor/js/matmul-q8.ts), then, with `gelu`, the norm module's GELU kernel over each row. out rows
 * are ldo bytes apart; bias 0 for none.
 */
function dequantize(geluKernel: number): FunctionBuilder {
  const f = new FunctionBuilder(Array<typeof I32>(11).fill(I32));
  const [m, np, c, ldc, sx, ws, bias, out, ldo, accumulate, gelu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const i = f.local(I32), j = f.local(I32), bytes = f.local(I32), cp = f.local(I32), op = f.local(I32);
  const s = f.local(V128), y = f.local(V128);
  f.get(np).i32(4).mul().set(bytes);
  f.forLt(i, () => f.i32(0), m, 1, () => {
    f.get(sx).get(i).i32(4).mul().add().f32Load().f32x4Splat().set(s);
    f.get(c).get(i).get(ldc).mul().add().set(cp);
    f.get(out).get(i).get(ldo).mul().add().set(op);
    f.forLt(j, () => f.i32(0), bytes, 16, () => {
      f.get(cp).get(j).add().v128Load().f32x4FromI32x4();
      f.get(s).get(ws).get(j).add().v128Load().f32x4Mul().f32x4Mul().set(y);
      f.get(bias).if(() => f.get(y).get(bias).get(j).add().v128Load().f32x4Add().set(y));
      f.get(accumulate).if(() => f.get(op).get(j).add().v128Load().get(y).f32x4Add().set(y));
      f.get(op).get(j).add().get(y).v128Store();
    });
    // the norm module's GELU kernel itself, over the row while it is in L1 (np / 4 vectors: an even number)
    f.get(gelu).if(() => f.get(op).get(np).i32(2).shrU().call(geluKernel));
  });
  return f;
}

/**
 * quantizeQ8Task(item, thread, x, ldx, m, kp, limit, q, sx, tilesPerItem): rows of x [m, kp] (float32, ldx bytes apart, zero-padded)
 * to int16 in [-limit, limit], sx[i] = max|x_i| / limit, as quantizeActivationRow: q = clamp(nearest(f32(x ·
 * f32(limit / max)))); an all-zero row gives zeros and scale 0. NaN never wins the max (pmax keeps the
 * accumulator) and becomes 0, as in the reference. One item is the rows of `tilesPerItem` row tiles, so
 * threads can share a call.
 * Tiled (the plain kernel): the rows go straight into the tiles the kernel reads, as packQ8Rows would lay
 * them out; otherwise (the relaxed kernel, which splits them first) into rows q [m, kp].
 */
function quantize(tiled: boolean): FunctionBuilder {
  const f = new FunctionBuilder(Array<typeof I32>(10).fill(I32));
  const [item, x, ldx, m, kp, limit, q, sx, tilesPerItem] = [0, 2, 3, 4, 5, 6, 7, 8, 9]; // 1: thread
  const i = f.local(I32), j = f.local(I32), bytes = f.local(I32), rowBytes = f.local(I32), xr = f.local(I32), qr = f.local(I32);
  const first = f.local(I32), end = f.local(I32), step = f.local(I32);
  const amax = f.local(F32), lim = f.local(F32);
  const mv = f.local(V128), inv = f.local(V128), hi = f.local(V128), lo = f.local(V128), v = f.local(V128);
  f.get(limit).f32FromI32().set(lim);
  f.get(limit).i32x4Splat().set(hi);
  f.i32(0).get(limit).sub().i32x4Splat().set(lo);
  f.get(kp).i32(4).mul().set(bytes);
  f.get(kp).i32(2).mul().set(rowBytes);
  const lane = (l: number) => f.get(mv).f32x4Extract(l);
  const quant = (offset: number) => {
    f.get(xr).get(j).i32(4).mul().add().v128Load(offset).get(inv).f32x4Mul().f32x4Nearest().i32x4FromF32x4();
    f.get(hi).i32x4MinS().get(lo).i32x4MaxS();
  };
  f.get(item).get(tilesPerItem).mul().i32(Q8_TILE_ROWS).mul().set(first);
  f.get(first).get(tilesPerItem).i32(Q8_TILE_ROWS).mul().add().tee(end).get(m).get(end).get(m).ltS().select().set(end); // min(m, ·)
  f.forLt(i, () => f.get(first), end, 1, () => {
    f.get(x).get(i).get(ldx).mul().add().set(xr);
    if (tiled) tileRow(f, i, m, rowBytes, q, 4, qr, step); // its 2-k units (4 bytes) in the tile
    else f.get(q).get(i).get(rowBytes).mul().add().set(qr);
    f.f32x4Const(0).set(mv);
    f.forLt(j, () => f.i32(0), bytes, 16, () => f.get(mv).get(xr).get(j).add().v128Load().f32x4Abs().f32x4Pmax().set(mv));
    lane(0); lane(1); f.f32Max(); lane(2); lane(3); f.f32Max().f32Max().set(amax);
    f.get(sx).get(i).i32(4).mul().add().get(amax).get(lim).f32Div().f32Store();
    f.get(lim).get(amax).f32Div().f32(0).get(amax).f32(0).f32Gt().select().f32x4Splat().set(inv);
    f.forLt(j, () => f.i32(0), kp, 8, () => {
      quant(0);
      quant(16);
      f.i16x8NarrowI32x4S().set(v);
      if (tiled) {
        for (let l = 0; l < 4; l++) {
          f.get(qr).get(v).v128Store32Lane(l);
          f.get(qr).get(step).add().set(qr);
        }
      } else {
        f.get(qr).get(j).i32(2).mul().add().get(v).v128Store();
      }
    });
  });
  return f;
}

/**
 * splitQ8(q, m, kp, p): int16 rows q [m, kp] in [-8192, 8191] to the relaxed kernel's rows p [m, 2 · kp]
 * bytes: per 4 k, the 4 bytes hi = (x + 8192) >> 7, then the 4 bytes lo = (x + 8192) & 127.
 */
function split(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32]);
  const [q, m, kp, p] = [0, 1, 2, 3];
  const j = f.local(I32), total = f.local(I32);
  const u0 = f.local(V128), u1 = f.local(V128), hi = f.local(V128), lo = f.local(V128);
  f.get(m).get(kp).mul().set(total); // rows are contiguous, 2 · kp bytes in both: one pass over all of them
  f.forLt(j, () => f.i32(0), total, 16, () => {
    for (const [u, offset] of [[u0, 0], [u1, 16]]) f.get(q).get(j).i32(2).mul().add().v128Load(offset).i32x4Const(0x20002000).i16x8Add().set(u); // + 8192
    f.get(u0).i32(7).i16x8ShrU().get(u1).i32(7).i16x8ShrU().i8x16NarrowI16x8U().set(hi);
    f.get(u0).i32x4Const(0x007f007f).v128And().get(u1).i32x4Const(0x007f007f).v128And().i8x16NarrowI16x8U().set(lo);
    f.get(p).get(j).i32(2).mul().add().get(hi).get(lo).shuffle(INTERLEAVE_LOW).v128Store();
    f.get(p).get(j).i32(2).mul().add().get(hi).get(lo).shuffle(INTERLEAVE_HIGH).v128Store(16);
  });
  return f;
}

/**
 * gemmQ8Task(item, thread, m, kp, np, a, b, c, ldc, corr, sx, ws, bias, out, ldo, accumulate, gelu, chunk), with
 * A in row tiles: columns [item · chunk, (item + 1) · chunk) (whole panels) of the int32 product into c,
 * then, when sx is not 0, dequantized into out (rows ldo bytes apart): one unit of work a thread claims (one
 * call with item 0 and chunk = np does it all). Items past np do nothing.
 */
function task(dot: number, deq: number): FunctionBuilder {
  const f = new FunctionBuilder(Array<typeof I32>(18).fill(I32));
  const [item, m, kp, np, a, b, c, ldc, corr, sx, ws, bias, out, ldo, accumulate, gelu, chunk] =
    [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]; // 1: thread
  const col0 = f.local(I32), cols = f.local(I32), at = f.local(I32);
  f.get(item).get(chunk).mul().tee(col0).get(np).geS().if(() => f.ret());
  f.get(np).get(col0).sub().set(cols);
  f.get(chunk).get(cols).get(cols).get(chunk).gtS().select().set(cols); // min(chunk, np - col0)
  f.get(col0).i32(4).mul().set(at); // byte offset of column col0 in c, corr, ws, bias and out
  f.get(m).get(kp).get(cols).get(a);
  f.get(b).get(col0).get(kp).mul().add(); // col0 · kp: whole panels of kp · 8 bytes
  f.get(c).get(at).add().get(ldc).get(corr).get(at).add().call(dot);
  f.get(sx).if(() => {
    f.get(m).get(cols).get(c).get(at).add().get(ldc).get(sx).get(ws).get(at).add();
    f.get(bias).get(at).add().i32(0).get(bias).select(); // bias ? bias + at : 0
    f.get(out).get(at).add().get(ldo).get(accumulate).get(gelu).call(deq);
  });
  return f;
}

/**
 * The module bytes: exports `gemmQ8Task`, `quantizeQ8Task`, `packQ8Rows` (for rows quantized elsewhere:
 * dotQ8's, and the relaxed kernel's split ones) and, relaxed, `splitQ8`; imports the norm module's `gelu`.
 */
export function gemmQ8Module(relaxed: boolean, memory?: MemoryImport): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(memory);
  const geluKernel = mod.importFunction('gelu', [I32, I32]); // the norm module's (instantiated first)
  const tiles: number[] = [];
  for (let r = 1; r <= Q8_TILE_ROWS; r++) tiles.push(mod.add(null, tile(r, relaxed)));
  const dot = mod.add(null, driver(tiles));
  const deq = mod.add(null, dequantize(geluKernel));
  mod.add('gemmQ8Task', task(dot, deq));
  mod.add('quantizeQ8Task', quantize(!relaxed));
  mod.add('packQ8Rows', pack(relaxed ? 8 : 4));
  if (relaxed) mod.add('splitQ8', split());
  return mod.bytes();
}
