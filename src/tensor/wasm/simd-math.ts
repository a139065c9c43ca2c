/**
 * Vector math emitted inline into kernels: exp for softmax and GELU's erf, both without calls or tables.
 */
import { FunctionBuilder, V128, type Local } from './function-builder.js';

/** ln 2 split so that n · LN2_HI is exact for the |n| <= 126 a float32 exp can reach (Cody-Waite). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

/**
 * Pushes exp(x) for the f32x4 in local `x`, to about 2 ulp. Inputs are clamped to [-87, 88], so the
 * result stays a normal number (denormals would slow every later operation on them) and exp of a very
 * negative input is ~1e-38 rather than 0. `tmp` are two scratch v128 locals.
 */
export function emitExp(f: FunctionBuilder, x: Local, tmp: [Local, Local]): void {
  const [n, r] = tmp;
  f.get(x).f32x4Const(-87).f32x4Max().f32x4Const(88).f32x4Min().set(x);
  f.get(x).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(n);
  f.get(x).get(n).f32x4Const(LN2_HI).f32x4Mul().f32x4Sub().get(n).f32x4Const(LN2_LO).f32x4Mul().f32x4Sub().set(r);
  // e^r on |r| <= ln2 / 2 by its Taylor series to r^7 (truncation error < 1e-8 relative).
  f.f32x4Const(1 / factorial(7));
  for (let k = 6; k >= 0; k--) f.get(r).f32x4Mul().f32x4Const(1 / factorial(k)).f32x4Add();
  // times 2^n, built in the exponent bits
  f.get(n).i32x4FromF32x4().i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
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
  f.get(za).f64x2Const(ERF_CLAMP).f64x2Min().set(t);
  f.get(t).get(t).f64x2Mul().set(t);
  horner(f, ERF_P, t);
  f.get(za).f64x2Const(ERF_CLAMP).f64x2Min().f64x2Mul();
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
