/**
 * The norm module: row-wise and element-wise kernels of a transformer block, LayerNorm and GELU. Pointers in bytes.
 */
import { F32, F64, FunctionBuilder, I32, type Local } from '../emit/function-builder.js';
import { ModuleBuilder, type MemoryImport } from '../emit/module-builder.js';
import { emitGeluF64, v128Locals } from '../emit/simd-math.js';

/** Pushes the four lanes of f32x4 local `v` summed in float64. */
function hsumF64(f: FunctionBuilder, v: Local): void {
  f.get(v).f32x4Extract(0).f64FromF32().get(v).f32x4Extract(1).f64FromF32().f64Add();
  f.get(v).f32x4Extract(2).f64FromF32().get(v).f32x4Extract(3).f64FromF32().f64Add().f64Add();
}

/**
 * layerNorm(x, rows, cols, gamma, beta, eps, out): out = (x - mean) / sqrt(var + eps) · gamma + beta per
 * row, biased variance by a second pass over (x - mean)². out may alias x.
 */
function layerNorm(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, F32, I32]);
  const [x, rows, cols, gamma, beta, eps, out] = [0, 1, 2, 3, 4, 5, 6];
  const i = f.local(I32), j = f.local(I32), xr = f.local(I32), orow = f.local(I32), vecs = f.local(I32);
  const [acc, mv, iv, d] = v128Locals(f, 4);
  const sum = f.local(F64), mean = f.local(F32), inv = f.local(F32), t = f.local(F32);
  f.get(cols).i32(2).shrU().set(vecs);
  const tail = (body: () => void) => f.forLt(j, () => f.get(vecs).i32(2).shl(), cols, 1, body);
  const at = (base: Local) => f.get(base).get(j).i32(4).mul().add();
  f.forLt(i, () => f.i32(0), rows, 1, () => {
    f.get(x).get(i).get(cols).mul().i32(4).mul().add().set(xr);
    f.get(out).get(i).get(cols).mul().i32(4).mul().add().set(orow);
    f.f32x4Const(0).set(acc);
    f.forLt(j, () => f.i32(0), vecs, 1, () => f.get(acc).get(xr).get(j).i32(16).mul().add().v128Load().f32x4Add().set(acc));
    hsumF64(f, acc);
    f.set(sum);
    tail(() => { f.get(sum); at(xr).f32Load().f64FromF32().f64Add().set(sum); });
    f.get(sum).get(cols).f64FromI32().f64Div().f32FromF64().tee(mean).f32x4Splat().set(mv);
    f.f32x4Const(0).set(acc);
    f.forLt(j, () => f.i32(0), vecs, 1, () => {
      f.get(xr).get(j).i32(16).mul().add().v128Load().get(mv).f32x4Sub().tee(d).get(d).f32x4Mul().get(acc).f32x4Add().set(acc);
    });
    hsumF64(f, acc);
    f.set(sum);
    tail(() => { at(xr).f32Load().get(mean).f32Sub().tee(t).get(t).f32Mul().f64FromF32().get(sum).f64Add().set(sum); });
    f.f64(1).get(sum).get(cols).f64FromI32().f64Div().get(eps).f64FromF32().f64Add().f64Sqrt().f64Div().f32FromF64().tee(inv).f32x4Splat().set(iv);
    f.forLt(j, () => f.i32(0), vecs, 1, () => {
      f.get(orow).get(j).i32(16).mul().add();
      f.get(xr).get(j).i32(16).mul().add().v128Load().get(mv).f32x4Sub().get(iv).f32x4Mul();
      f.get(gamma).get(j).i32(16).mul().add().v128Load().f32x4Mul();
      f.get(beta).get(j).i32(16).mul().add().v128Load().f32x4Add().v128Store();
    });
    tail(() => {
      at(orow);
      at(xr).f32Load().get(mean).f32Sub().get(inv).f32Mul();
      at(gamma).f32Load().f32Mul();
      at(beta).f32Load().f32Add().f32Store();
    });
  });
  return f;
}

/**
 * gelu(p, vecs): exact (erf) GELU in place over vecs · 4 floats (rounded up to an even number of vectors:
 * two go through each iteration, so their independent float64 chains overlap), evaluated in float64 lanes.
 */
export function gelu(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32]);
  const [p, vecs] = [0, 1];
  const j = f.local(I32);
  const [x0, x1, h0, h1, h2, h3, t0, t1, t2] = v128Locals(f, 9);
  const halves = (x: Local, lo: Local, hi: Local) => {
    f.get(x).f64x2PromoteLow().set(lo);
    f.get(x).get(x).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).f64x2PromoteLow().set(hi);
  };
  f.forLt(j, () => f.i32(0), vecs, 2, () => {
    f.get(p).v128Load().set(x0);
    f.get(p).v128Load(16).set(x1);
    halves(x0, h0, h1);
    halves(x1, h2, h3);
    for (const h of [h0, h1, h2, h3]) {
      emitGeluF64(f, h, [t0, t1, t2]);
      f.set(h);
    }
    // low two lanes of each demoted half: [g0 g1 g2 g3]
    const join = (lo: Local, hi: Local) => {
      f.get(lo).f32x4DemoteF64x2Zero().get(hi).f32x4DemoteF64x2Zero().shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
    };
    f.get(p);
    join(h0, h1);
    f.v128Store();
    f.get(p);
    join(h2, h3);
    f.v128Store(16);
    f.get(p).i32(32).add().set(p);
  });
  return f;
}

/** The module bytes: exports layerNorm and gelu. */
export function normModule(memory?: MemoryImport): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder(memory);
  mod.add('layerNorm', layerNorm());
  mod.add('gelu', gelu());
  return mod.bytes();
}
