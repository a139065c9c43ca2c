/**
 * The attention module: panel packing of K and V slices, the c2p/p2c gathers, masked softmax and
 * scaling. Pointers and strides are in bytes; every function works in place on wasm memory.
 */
import { F32, FunctionBuilder, I32, type Local } from '../emit/function-builder.js';
import { ModuleBuilder, type MemoryImport } from '../emit/module-builder.js';
import { emitExp, ExpConstants, v128Locals } from '../emit/simd-math.js';
import { PANEL, TILE_ROWS } from '../layout.js';

/** Pushes min(PANEL, n - col0): the real columns of the panel starting at col0. */
function panelCols(f: FunctionBuilder, n: Local, col0: Local): void {
  f.i32(PANEL).get(n).get(col0).sub().get(n).get(col0).sub().i32(PANEL).gtS().select();
}

const lanes = (...fl: number[]) => fl.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
/** i8x16.shuffle patterns of a 4x4 f32 transpose: interleave pairs of rows, then pairs of pairs. */
const LO = lanes(0, 4, 1, 5), HI = lanes(2, 6, 3, 7), LO64 = lanes(0, 1, 4, 5), HI64 = lanes(2, 3, 6, 7);

/**
 * packT(src, rs, n, k, dst): panels of B[kk, col] = src[col · rs + kk], i.e. B = Sᵀ for S [n, k] with row
 * stride rs. Columns past n are zero. Whole panels move 4 × 4 blocks through registers (a SIMD
 * transpose, PANEL / 4 blocks across a panel); the ragged last panel and the k mod 4 tail go one float at a time.
 */
function packT(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [src, rs, n, k, dst] = [0, 1, 2, 3, 4];
  const col0 = f.local(I32), j = f.local(I32), kk = f.local(I32), s = f.local(I32), d = f.local(I32), cols = f.local(I32);
  const k4 = f.local(I32), o = f.local(I32);
  const rowPtr = Array.from({ length: PANEL }, () => f.local(I32));
  const r = v128Locals(f, 4), t = v128Locals(f, 4);
  const scalarColumns = (from: () => void) => {
    f.forLt(j, () => f.i32(0), cols, 1, () => {
      f.get(dst).get(j).i32(4).mul().add();
      from();
      f.i32(PANEL * 4).mul().add().set(d);
      f.get(src).get(col0).get(j).add().get(rs).mul().add();
      from();
      f.i32(4).mul().add().set(s);
      f.forLt(kk, from, k, 1, () => {
        f.get(d).get(s).f32Load().f32Store();
        f.get(s).i32(4).add().set(s).get(d).i32(PANEL * 4).add().set(d);
      });
    });
  };
  f.get(k).i32(-4).and().set(k4);
  f.forLt(col0, () => f.i32(0), n, PANEL, () => {
    panelCols(f, n, col0);
    f.tee(cols).i32(PANEL).eq().if(() => {
      for (let c = 0; c < PANEL; c++) f.get(src).get(col0).i32(c).add().get(rs).mul().add().set(rowPtr[c]);
      f.get(dst).set(d);
      f.forLt(o, () => f.i32(0), k4, 4, () => {
        for (let half = 0; half < PANEL / 4; half++) {
          for (let c = 0; c < 4; c++) f.get(rowPtr[4 * half + c]).get(o).i32(4).mul().add().v128Load().set(r[c]);
          f.get(r[0]).get(r[1]).shuffle(LO).set(t[0]).get(r[0]).get(r[1]).shuffle(HI).set(t[1]);
          f.get(r[2]).get(r[3]).shuffle(LO).set(t[2]).get(r[2]).get(r[3]).shuffle(HI).set(t[3]);
          f.get(d).get(t[0]).get(t[2]).shuffle(LO64).v128Store(16 * half);
          f.get(d).get(t[0]).get(t[2]).shuffle(HI64).v128Store(PANEL * 4 + 16 * half);
          f.get(d).get(t[1]).get(t[3]).shuffle(LO64).v128Store(2 * PANEL * 4 + 16 * half);
          f.get(d).get(t[1]).get(t[3]).shuffle(HI64).v128Store(3 * PANEL * 4 + 16 * half);
        }
        f.get(d).i32(4 * PANEL * 4).add().set(d);
      });
      scalarColumns(() => f.get(k4));
    }, () => {
      f.get(dst).i32(0).get(k).i32(PANEL * 4).mul().memoryFill();
      scalarColumns(() => f.i32(0));
    });
    f.get(dst).get(k).i32(PANEL * 4).mul().add().set(dst);
  });
  return f;
}

/** packN(src, rs, k, n, dst): panels of B[kk, col] = src[kk · rs + col] for B [k, n] with row stride rs. */
function packN(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [src, rs, k, n, dst] = [0, 1, 2, 3, 4];
  const col0 = f.local(I32), j = f.local(I32), kk = f.local(I32), s = f.local(I32), d = f.local(I32), cols = f.local(I32);
  f.forLt(col0, () => f.i32(0), n, PANEL, () => {
    f.get(src).get(col0).i32(4).mul().add().set(s);
    f.get(dst).set(d);
    panelCols(f, n, col0);
    f.tee(cols).i32(PANEL).eq().if(() => {
      f.forLt(kk, () => f.i32(0), k, 1, () => {
        for (let v = 0; v < PANEL / 4; v++) f.get(d).get(s).v128Load(16 * v).v128Store(16 * v);
        f.get(s).get(rs).add().set(s).get(d).i32(PANEL * 4).add().set(d);
      });
    }, () => {
      f.get(dst).i32(0).get(k).i32(PANEL * 4).mul().memoryFill();
      f.forLt(kk, () => f.i32(0), k, 1, () => {
        f.forLt(j, () => f.i32(0), cols, 1, () => {
          f.get(d).get(j).i32(4).mul().add().get(s).get(j).i32(4).mul().add().f32Load().f32Store();
        });
        f.get(s).get(rs).add().set(s).get(d).i32(PANEL * 4).add().set(d);
      });
    });
    f.get(dst).get(k).i32(PANEL * 4).mul().add().set(dst);
  });
  return f;
}

/**
 * c2p, gatherRows(s, lds, lq, lk, src, ldsrc, idx, scale): s[i, j] += scale · src[i, idx[i · lk + j]].
 * p2c, gatherCols(same): s[i, j] += scale · src[j, idx[j · lq + i]] (gathered along the key's row, then
 * transposed).
 */
function gather(byKey: boolean): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, F32]);
  const [s, lds, lq, lk, src, ldsrc, idx, scale] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = f.local(I32), j = f.local(I32), row = f.local(I32), sp = f.local(I32), ip = f.local(I32);
  f.forLt(i, () => f.i32(0), lq, 1, () => {
    f.get(s).get(i).get(lds).mul().add().set(row);
    if (byKey) {
      f.get(src).set(sp);
      f.get(idx).get(i).i32(4).mul().add().set(ip);
    } else {
      f.get(src).get(i).get(ldsrc).mul().add().set(sp);
      f.get(idx).get(i).get(lk).mul().i32(4).mul().add().set(ip);
    }
    f.forLt(j, () => f.i32(0), lk, 1, () => {
      f.get(row).get(row).f32Load();
      f.get(sp).get(ip).i32Load().i32(4).mul().add().f32Load().get(scale).f32Mul().f32Add().f32Store();
      f.get(row).i32(4).add().set(row);
      if (byKey) f.get(sp).get(ldsrc).add().set(sp).get(ip).get(lq).i32(4).mul().add().set(ip);
      else f.get(ip).i32(4).add().set(ip);
    });
  });
  return f;
}

/**
 * softmax(x, rows, vecs, ld, keep): XSoftmax over rows of `vecs` · 4 columns, `ld` bytes apart. keep is
 * an i32 lane mask per column (-1 takes part, 0 is masked, as are padding columns); row i is all zero when
 * keep[i] is 0 or when nothing in it is kept.
 */
function softmax(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32]);
  const [x, rows, vecs, ld, keep] = [0, 1, 2, 3, 4];
  const i = f.local(I32), j = f.local(I32), row = f.local(I32), p = f.local(I32), kp = f.local(I32);
  const [mx, v, sum, n, r, t] = v128Locals(f, 6);
  const m = f.local(F32);
  const expConstants = ExpConstants.hoist(f);
  const zeroRow = () => f.get(row).i32(0).get(vecs).i32(16).mul().memoryFill();
  const sweep = (body: () => void) => {
    f.get(row).set(p).get(keep).set(kp);
    f.forLt(j, () => f.i32(0), vecs, 1, () => {
      body();
      f.get(p).i32(16).add().set(p).get(kp).i32(16).add().set(kp);
    });
  };
  f.forLt(i, () => f.i32(0), rows, 1, () => {
    f.get(x).get(i).get(ld).mul().add().set(row);
    f.get(keep).get(i).i32(4).mul().add().i32Load().eqz().if(zeroRow, () => {
      f.f32x4Const(-Infinity).set(mx);
      sweep(() => {
        f.get(mx).get(p).v128Load().f32x4Const(-Infinity).get(kp).v128Load().v128Bitselect().f32x4Pmax().set(mx);
      });
      f.get(mx).f32x4Extract(0).get(mx).f32x4Extract(1).f32Max().get(mx).f32x4Extract(2).f32Max().get(mx).f32x4Extract(3).f32Max().tee(m);
      f.f32(-Infinity).f32Eq().if(zeroRow, () => {
        f.get(m).f32x4Splat().set(mx);
        f.f32x4Const(0).set(sum);
        sweep(() => {
          f.get(p).v128Load().get(mx).f32x4Sub().set(v);
          f.get(p);
          // Terms below e^-40 of the row maximum are flushed to 0 (invisible in float32 sums): tinier
          // probabilities would make denormal products in the next matmul, which run several times slower.
          f.get(v).f32x4Const(-40).f32x4Gt().set(r);
          f.get(r).get(kp).v128Load().v128And().set(r);
          emitExp(f, v, [n, t], expConstants);
          f.get(r).v128And().tee(v).v128Store();
          f.get(sum).get(v).f32x4Add().set(sum);
        });
        f.f32(1).get(sum).f32x4Extract(0).get(sum).f32x4Extract(1).f32Add().get(sum).f32x4Extract(2).f32Add().get(sum).f32x4Extract(3).f32Add();
        f.f32Div().f32x4Splat().set(mx);
        sweep(() => f.get(p).get(p).v128Load().get(mx).f32x4Mul().v128Store());
      });
    });
  });
  return f;
}

/** scale(p, vecs, s): x *= s over vecs · 4 floats. */
function scale(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, F32]);
  const [p, vecs, s] = [0, 1, 2];
  const j = f.local(I32);
  const sv = v128Locals(f, 1)[0];
  f.get(s).f32x4Splat().set(sv);
  f.forLt(j, () => f.i32(0), vecs, 1, () => {
    f.get(p).get(p).v128Load().get(sv).f32x4Mul().v128Store().get(p).i32(16).add().set(p);
  });
  return f;
}

/** Fields (i32 slots) of the argument block of {@link attentionTask}; SCALE holds float32 bits. */
export const ATT = {
  Q: 0, K: 1, V: 2, CTX: 3, L: 4, A: 5, D: 6, HEADS: 7, LP: 8, DP: 9, ROWSP: 10, C2P: 11, P2C: 12, KEEP: 13,
  POSK: 14, POSQ: 15, SCALE: 16, SCRATCH: 17, PER_THREAD: 18, SCORES: 19, REL: 20, KPANEL: 21, VPANEL: 22,
  ROW0: 23, C2P_BANDS: 24, P2C_BANDS: 25, SIZE: 26,
} as const;

interface Callees { gemm: number; packT: number; packN: number; gatherRows: number; gatherCols: number; softmax: number }

/**
 * attentionTask(item, thread, args): sequence item / heads, head item mod heads, on the thread's own
 * scratch (scores, relative products, K and V panels): pack Kᵀ, Q Kᵀ, + c2p, + p2c, XSoftmax, · V into
 * the context (rows heads · dp floats apart). q is already scaled. POSK/POSQ point to per-head packed
 * pointers, or are 0 without the term.
 */
function attentionTask(c: Callees): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32]);
  const [item, thread, args] = [0, 1, 2];
  const field = (name: keyof typeof ATT) => f.get(args).i32Load(ATT[name] * 4);
  const L = f.local(I32), A4 = f.local(I32), d = f.local(I32), heads = f.local(I32), lp = f.local(I32);
  const rowsP = f.local(I32), h = f.local(I32), b = f.local(I32), off = f.local(I32), s = f.local(I32);
  const scores = f.local(I32), rel = f.local(I32), kPanel = f.local(I32), vPanel = f.local(I32), table = f.local(I32);
  const row0 = f.local(I32), relAt = f.local(I32), bands = f.local(I32), t = f.local(I32), tm = f.local(I32), first = f.local(I32);
  field('L'); f.set(L);
  field('A'); f.i32(4).mul().set(A4);
  field('D'); f.set(d);
  field('HEADS'); f.set(heads);
  field('LP'); f.set(lp);
  field('ROWSP'); f.set(rowsP);
  f.get(item).get(heads).rem().set(h);
  f.get(item).get(heads).div().set(b);
  field('SCRATCH'); field('PER_THREAD'); f.get(thread).mul().add().set(s);
  field('SCORES'); f.get(s).add().set(scores);
  field('REL'); f.get(s).add().set(rel);
  field('KPANEL'); f.get(s).add().set(kPanel);
  field('VPANEL'); f.get(s).add().set(vPanel);
  // head h of sequence b: rows A floats apart
  f.get(b).get(L).mul().get(A4).mul().get(h).get(d).mul().i32(4).mul().add().set(off);
  field('K'); f.get(off).add().get(A4).get(L).get(d).get(kPanel).call(c.packT);
  f.get(L).get(d).get(L);
  field('Q'); f.get(off).add().get(A4).get(kPanel).get(scores).get(lp).i32(4).mul().i32(0).i32(0).call(c.gemm);
  // rel holds the relative rows from ROW0 (on a panel boundary), ROWSP floats per row, the gathers read it through
  // a pointer ROW0 columns before it. Each tile of TILE_ROWS query (c2p) or key (p2c) rows projects only the
  // band of rows its indices reach ([first, count] per tile in C2P_BANDS / P2C_BANDS): about L + 4 columns
  // instead of 2L - 1.
  field('ROW0'); f.i32(4).mul().set(row0);
  f.get(rel).get(row0).sub().set(relAt);
  const banded = (src: 'Q' | 'K', bandsField: 'C2P_BANDS' | 'P2C_BANDS') => {
    field(bandsField); f.set(bands);
    f.forLt(t, () => f.i32(0), L, TILE_ROWS, () => {
      f.get(bands).i32Load().set(first);
      f.i32(TILE_ROWS).get(L).get(t).sub().tee(tm).get(tm).i32(TILE_ROWS).gtS().select(); // m: min(4, L - t)
      f.get(d).get(bands).i32Load(4); // n: the band's width
      field(src); f.get(off).add().get(t).get(A4).mul().add().get(A4);
      f.get(table).get(h).i32(4).mul().add().i32Load().get(first).get(d).mul().i32(4).mul().add();
      f.get(rel).get(t).get(rowsP).mul().i32(4).mul().add().get(first).i32(4).mul().add().get(row0).sub();
      f.get(rowsP).i32(4).mul().i32(0).i32(0).call(c.gemm);
      f.get(bands).i32(8).add().set(bands);
    });
  };
  field('POSK'); f.tee(table).if(() => {
    banded('Q', 'C2P_BANDS');
    f.get(scores).get(lp).i32(4).mul().get(L).get(L).get(relAt).get(rowsP).i32(4).mul();
    field('C2P'); f.f32(1).call(c.gatherRows);
  });
  field('POSQ'); f.tee(table).if(() => {
    banded('K', 'P2C_BANDS');
    f.get(scores).get(lp).i32(4).mul().get(L).get(L).get(relAt).get(rowsP).i32(4).mul();
    field('P2C'); field('SCALE'); f.f32FromBits().call(c.gatherCols);
  });
  f.get(scores).get(L).get(lp).i32(2).shrU().get(lp).i32(4).mul();
  field('KEEP'); f.get(b).get(lp).mul().i32(4).mul().add().call(c.softmax);
  field('V'); f.get(off).add().get(A4).get(L).get(d).get(vPanel).call(c.packN);
  f.get(L).get(L).get(d).get(scores).get(lp).i32(4).mul().get(vPanel);
  // context row (b · L + i), head h: rows heads · dp floats apart
  field('CTX'); field('DP'); f.tee(table).get(heads).mul().get(b).get(L).mul().mul().get(h).get(table).mul().add().i32(4).mul().add();
  f.get(heads).get(table).mul().i32(4).mul().i32(0).i32(0).call(c.gemm);
  return f;
}

/**
 * The module bytes: exports packT, packN, gatherRows, gatherCols, softmax, scale and attentionTask, which
 * calls the gemm module's `gemm` (imported, so that module must be instantiated first).
 */
export function attentionModule(memory?: MemoryImport): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(memory);
  const gemm = mod.importFunction('gemm', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const callees: Callees = {
    gemm,
    packT: mod.add('packT', packT()),
    packN: mod.add('packN', packN()),
    gatherRows: mod.add('gatherRows', gather(false)),
    gatherCols: mod.add('gatherCols', gather(true)),
    softmax: mod.add('softmax', softmax()),
  };
  mod.add('scale', scale());
  mod.add('attentionTask', attentionTask(callees));
  return mod.bytes();
}
