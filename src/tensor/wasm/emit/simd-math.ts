/**
 * Vector math emitted inline into kernels: exp for softmax and GELU's erf, both without calls or tables.
 */
import { FunctionBuilder, V128, type Local } from './function-builder.js';

/** 1.5 · 2^23: adding it rounds a float32 of magnitude < 2^22 to an integer held in the low mantissa bits. */
const ROUND_MAGIC = 12582912;
/** ln 2 split so that n · LN2_HI is exact for the |n| <= 126 a float32 exp can reach (Cody-Waite). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const EXP_CONSTANTS = [-87, 88, Math.LOG2E, ROUND_MAGIC, LN2_HI, LN2_LO, ...Array.from({ length: 8 }, (_, i) => 1 / factorial(i))];

/**
 * The constants of {@link emitExp}, splatted into locals once at function entry: engines materialise a
 * v128.const with several instructions at every use, which would dominate a loop around exp.
 */
export class ExpConstants {
  private constructor(private readonly f: FunctionBuilder, private readonly locals: Map<number, Local>) {}

  /** Declares and initialises the constants; emit this before the loop that calls {@link emitExp}. */
  static hoist(f: FunctionBuilder): ExpConstants {
    const locals = new Map<number, Local>();
    for (const v of EXP_CONSTANTS) {
      if (locals.has(v)) continue;
      const l = f.local(V128);
      f.f32x4Const(v).set(l);
      locals.set(v, l);
    }
    return new ExpConstants(f, locals);
  }

  /** Pushes the splat of v. */
  get(v: number): void {
    const l = this.locals.get(v);
    if (l === undefined) throw new Error(`exp constant ${v} was not hoisted`);
    this.f.get(l);
  }
}

/**
 * Pushes exp(x) for the f32x4 in local `x`, to about 2 ulp. Inputs are clamped to [-87, 88], so the
 * result stays a normal number (denormals would slow every later operation on them) and exp of a very
 * negative input is ~1e-38 rather than 0. `tmp` are two scratch v128 locals; `k` the hoisted constants.
 *
 * x = n ln2 + r: n comes from the round-to-integer magic constant, whose bit pattern also yields 2^n by
 * one integer add and shift (no float-to-int conversion, which x86 engines expand to many instructions).
 */
export function emitExp(f: FunctionBuilder, x: Local, tmp: [Local, Local], k: ExpConstants): void {
  const [n, r] = tmp;
  f.get(x); k.get(-87); f.f32x4Pmax(); k.get(88); f.f32x4Pmin().set(x);
  f.get(x); k.get(Math.LOG2E); f.f32x4Mul(); k.get(ROUND_MAGIC); f.f32x4Add().set(n);
  f.get(n); k.get(ROUND_MAGIC); f.f32x4Sub().set(r); // n, as a float
  f.get(x).get(r); k.get(LN2_HI); f.f32x4Mul().f32x4Sub().get(r); k.get(LN2_LO); f.f32x4Mul().f32x4Sub().set(r);
  // e^r on |r| <= ln2 / 2 (a little more after the rounding above) by its Taylor series to r^7, in
  // Estrin's form: pairs c_i + c_{i+1} r combined by r² and r⁴, a shorter dependency chain than Horner's.
  const pair = (i: number) => { f.get(r); k.get(1 / factorial(i + 1)); f.f32x4Mul(); k.get(1 / factorial(i)); f.f32x4Add(); };
  f.get(r).get(r).f32x4Mul().set(x); // x is free now: r²
  pair(0);
  pair(2);
  f.get(x).f32x4Mul().f32x4Add(); // (c0 + c1 r) + r² (c2 + c3 r)
  pair(4);
  pair(6);
  f.get(x).f32x4Mul().f32x4Add(); // (c4 + c5 r) + r² (c6 + c7 r)
  f.get(x).get(x).f32x4Mul().f32x4Mul().f32x4Add(); // + r⁴ · (...)
  // times 2^n: the low bits of n's pattern hold the integer (mod 2^22); (n + 127) << 23 is 2^n's exponent
  f.get(n).i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
}

function factorial(k: number): number {
  let p = 1;
  for (let i = 2; i <= k; i++) p *= i;
  return p;
}

/**
 * Coefficients of erf(z) ≈ z · P(z²) / Q(z²) on |z| <= ERF_CLAMP, a rational fit made for this library
 * (Lawson-weighted least squares toward minimax; max error 1.4e-9 in float64). No exp is needed, which
 * makes GELU several times cheaper than erf via exp. Beyond the clamp erf is taken as exactly ±1 (it is
 * within 3.5e-8 of it), so GELU is exactly x far right and 0 far left rather than a tiny slope.
 */
const ERF_P = [1.1283791804073795, 0.18469075660741985, 0.054260056278240425, 0.0038298054844715292, 0.0003796250823794381, 4.697697330066641e-06, -1.3228760253891636e-08];
const ERF_Q = [1.0, 0.49701144473876213, 0.11375631986683966, 0.015423126526323782, 0.0013035131175742436, 6.323035608337291e-05];
const ERF_CLAMP = 3.9;

/**
 * Pushes GELU(h) = h/2 · (1 + erf(h/√2)) for the f64x2 in local `h`. Evaluated in float64 so the only
 * visible error is the final rounding to float32. `tmp` are three scratch v128 locals.
 */
export function emitGeluF64(f: FunctionBuilder, h: Local, tmp: [Local, Local, Local]): void {
  const [za, t, sign] = tmp;
  f.get(h).f64x2Const(Math.SQRT1_2).f64x2Mul().tee(za).f64x2Const(-0).v128And().set(sign);
  f.get(za).f64x2Abs().set(za);
  f.f64x2Const(1); // bitselect's first operand: the saturated value
  f.get(za).f64x2Const(ERF_CLAMP).f64x2Pmin().set(t);
  f.get(t).get(t).f64x2Mul().set(t);
  horner(f, ERF_P, t);
  f.get(za).f64x2Const(ERF_CLAMP).f64x2Pmin().f64x2Mul();
  horner(f, ERF_Q, t);
  f.f64x2Div();
  f.get(za).f64x2Const(ERF_CLAMP).f64x2Ge().v128Bitselect();
  f.get(sign).v128Or(); // erf(z), odd
  f.f64x2Const(1).f64x2Add().get(h).f64x2Mul().f64x2Const(0.5).f64x2Mul();
}

function horner(f: FunctionBuilder, coeffs: readonly number[], t: Local): void {
  f.f64x2Const(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) f.get(t).f64x2Mul().f64x2Const(coeffs[i]).f64x2Add();
}

/** A v128 local, for kernels that need a few. */
export function v128Locals<N extends number>(f: FunctionBuilder, n: N): Local[] {
  return Array.from({ length: n }, () => f.local(V128));
}
