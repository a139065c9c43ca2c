/**
 * Writes one WebAssembly function body: typed locals plus the scalar, SIMD and control instructions the
 * kernel generators use. Methods append one instruction each and return `this`, so generator code reads
 * like the stack machine it targets.
 */
import { ByteWriter } from './encoding.js';

/** Value types of the binary format. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** A local's (or parameter's) index. */
export type Local = number;

/** Relaxed-SIMD opcodes, only emitted after feature detection. */
const RELAXED_MADD = 0x105;
const RELAXED_DOT_I8_I7 = 0x112;

export class FunctionBuilder {
  readonly code = new ByteWriter();
  private readonly extra: ValType[] = [];

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** The i-th parameter. */
  param(i: number): Local {
    if (i >= this.params.length) throw new RangeError(`no parameter ${i}`);
    return i;
  }

  /** A fresh local of type `t` (zero-initialised on entry, as wasm guarantees). */
  local(t: ValType): Local {
    this.extra.push(t);
    return this.params.length + this.extra.length - 1;
  }

  /** The encoded body: local declarations, instructions, `end`. */
  body(): ByteWriter {
    const w = new ByteWriter();
    const groups: Array<[number, ValType]> = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    w.u32(groups.length);
    for (const [n, t] of groups) w.u32(n).byte(t);
    w.bytes(this.code.view()).byte(0x0b);
    return w;
  }

  private op(b: number): this {
    this.code.byte(b);
    return this;
  }

  private mem(b: number, align: number, offset: number): this {
    this.code.byte(b).u32(align).u32(offset);
    return this;
  }

  private simd(op: number): this {
    this.code.byte(0xfd).u32(op);
    return this;
  }

  private simdMem(op: number, align: number, offset: number): this {
    this.code.byte(0xfd).u32(op).u32(align).u32(offset);
    return this;
  }

  // ---- control ----
  block(body: () => void): this { this.code.byte(0x02).byte(0x40); body(); return this.op(0x0b); }
  loop(body: () => void): this { this.code.byte(0x03).byte(0x40); body(); return this.op(0x0b); }
  if(then: () => void, otherwise?: () => void): this {
    this.code.byte(0x04).byte(0x40);
    then();
    if (otherwise) { this.op(0x05); otherwise(); }
    return this.op(0x0b);
  }
  br(depth: number): this { this.code.byte(0x0c).u32(depth); return this; }
  brIf(depth: number): this { this.code.byte(0x0d).u32(depth); return this; }
  ret(): this { return this.op(0x0f); }
  call(index: number): this { this.code.byte(0x10).u32(index); return this; }
  drop(): this { return this.op(0x1a); }
  select(): this { return this.op(0x1b); }

  /**
   * `for (i = start; i < end; i += step) body()` over i32 locals, with the test at the top so an empty
   * range runs nothing. `end` is a local read on every test; `start` is pushed by `init`.
   */
  forLt(i: Local, init: () => void, end: Local | (() => void), step: number, body: () => void): this {
    init();
    this.set(i);
    return this.block(() => this.loop(() => {
      this.get(i);
      if (typeof end === 'number') this.get(end); else end();
      this.op(0x4e).brIf(1); // i32.ge_s
      body();
      this.get(i).i32(step).op(0x6a).set(i);
      this.br(0);
    }));
  }

  // ---- locals ----
  get(l: Local): this { this.code.byte(0x20).u32(l); return this; }
  set(l: Local): this { this.code.byte(0x21).u32(l); return this; }
  tee(l: Local): this { this.code.byte(0x22).u32(l); return this; }

  // ---- i32 ----
  i32(v: number): this { this.code.byte(0x41).s32(v); return this; }
  eqz(): this { return this.op(0x45); }
  eq(): this { return this.op(0x46); }
  ne(): this { return this.op(0x47); }
  ltS(): this { return this.op(0x48); }
  ltU(): this { return this.op(0x49); }
  gtS(): this { return this.op(0x4a); }
  leS(): this { return this.op(0x4c); }
  geS(): this { return this.op(0x4e); }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  div(): this { return this.op(0x6d); }
  rem(): this { return this.op(0x6f); }
  and(): this { return this.op(0x71); }
  or(): this { return this.op(0x72); }
  shl(): this { return this.op(0x74); }
  shrS(): this { return this.op(0x75); }
  shrU(): this { return this.op(0x76); }
  i32Load(offset = 0): this { return this.mem(0x28, 2, offset); }
  i32Load8U(offset = 0): this { return this.mem(0x2d, 0, offset); }
  i32Store(offset = 0): this { return this.mem(0x36, 2, offset); }

  // ---- f32 / f64 scalars ----
  f32(v: number): this { this.code.byte(0x43).f32(v); return this; }
  f64(v: number): this { this.code.byte(0x44).f64(v); return this; }
  f32Load(offset = 0): this { return this.mem(0x2a, 2, offset); }
  f32Store(offset = 0): this { return this.mem(0x38, 2, offset); }
  f32Eq(): this { return this.op(0x5b); }
  f32Lt(): this { return this.op(0x5d); }
  f32Gt(): this { return this.op(0x5e); }
  f32Add(): this { return this.op(0x92); }
  f32Sub(): this { return this.op(0x93); }
  f32Mul(): this { return this.op(0x94); }
  f32Div(): this { return this.op(0x95); }
  f32Max(): this { return this.op(0x97); }
  f32FromI32(): this { return this.op(0xb2); }
  f32Sqrt(): this { return this.op(0x91); }
  f64Add(): this { return this.op(0xa0); }
  f64Sub(): this { return this.op(0xa1); }
  f64Mul(): this { return this.op(0xa2); }
  f64Div(): this { return this.op(0xa3); }
  f64Sqrt(): this { return this.op(0x9f); }
  f64FromI32(): this { return this.op(0xb7); }
  f32FromF64(): this { return this.op(0xb6); }
  f64FromF32(): this { return this.op(0xbb); }
  /** f32.reinterpret_i32 */
  f32FromBits(): this { return this.op(0xbe); }

  // ---- bulk memory ----
  /** memory.copy(dst, src, bytes) from the stack. */
  memoryCopy(): this { this.code.byte(0xfc).u32(10).byte(0).byte(0); return this; }
  /** memory.fill(dst, byte, bytes) from the stack. */
  memoryFill(): this { this.code.byte(0xfc).u32(11).byte(0); return this; }

  // ---- v128 ----
  v128Load(offset = 0): this { return this.simdMem(0x00, 4, offset); }
  /** Loads one f32 and splats it into all four lanes. */
  loadSplat(offset = 0): this { return this.simdMem(0x09, 2, offset); }
  v128Store(offset = 0): this { return this.simdMem(0x0b, 4, offset); }
  /** v128.store32_lane: stores 32-bit lane `lane` of the vector on the stack at the address below it. */
  v128Store32Lane(lane: number, offset = 0): this { this.simdMem(0x5a, 2, offset).code.byte(lane); return this; }
  /** A v128 constant of four equal f32 lanes. */
  f32x4Const(v: number): this {
    this.simd(0x0c);
    for (let i = 0; i < 4; i++) this.code.f32(v);
    return this;
  }
  /** A v128 constant of two equal f64 lanes. */
  f64x2Const(v: number): this {
    this.simd(0x0c);
    this.code.f64(v).f64(v);
    return this;
  }
  /** A v128 constant of four equal i32 lanes. */
  i32x4Const(v: number): this {
    this.simd(0x0c);
    for (let i = 0; i < 4; i++) this.code.bytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
    return this;
  }
  /** i8x16.shuffle of the two v128 on the stack. */
  shuffle(lanes: readonly number[]): this { this.simd(0x0d).code.bytes(lanes); return this; }
  f32x4Splat(): this { return this.simd(0x13); }
  i32x4Splat(): this { return this.simd(0x11); }
  f32x4Extract(lane: number): this { this.simd(0x1f).code.byte(lane); return this; }
  f64x2Extract(lane: number): this { this.simd(0x21).code.byte(lane); return this; }
  f32x4Lt(): this { return this.simd(0x43); }
  f32x4Gt(): this { return this.simd(0x44); }
  f64x2Ge(): this { return this.simd(0x4c); }
  v128And(): this { return this.simd(0x4e); }
  v128Or(): this { return this.simd(0x50); }
  v128Xor(): this { return this.simd(0x51); }
  /** bitselect(a, b, mask): bits of a where mask is 1, else b. */
  v128Bitselect(): this { return this.simd(0x52); }
  f32x4DemoteF64x2Zero(): this { return this.simd(0x5e); }
  f64x2PromoteLow(): this { return this.simd(0x5f); }
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Sub(): this { return this.simd(0xb1); }
  i32x4MinS(): this { return this.simd(0xb6); }
  i32x4MaxS(): this { return this.simd(0xb8); }
  /** i32x4.dot_i16x8_s: lane i = a[2i]·b[2i] + a[2i+1]·b[2i+1], exact. */
  i32x4DotI16x8(): this { return this.simd(0xba); }
  i16x8Add(): this { return this.simd(0x8e); }
  i16x8ShrU(): this { return this.simd(0x8d); }
  /** Sign-extends bytes 0..7 (low) or 8..15 (high) to eight i16 lanes. */
  i16x8ExtendLowI8x16(): this { return this.simd(0x87); }
  i16x8ExtendHighI8x16(): this { return this.simd(0x88); }
  /** Eight i32 (two vectors) to eight i16, saturating. */
  i16x8NarrowI32x4S(): this { return this.simd(0x85); }
  /** Sixteen i16 (two vectors) to sixteen u8, saturating. */
  i8x16NarrowI16x8U(): this { return this.simd(0x66); }
  f32x4Abs(): this { return this.simd(0xe0); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Min(): this { return this.simd(0xe8); }
  f32x4Max(): this { return this.simd(0xe9); }
  /** b < a ? b : a: one instruction, unlike min's NaN and signed-zero rules. */
  f32x4Pmin(): this { return this.simd(0xea); }
  /** a < b ? b : a: one instruction, unlike max's NaN and signed-zero rules. */
  f32x4Pmax(): this { return this.simd(0xeb); }
  f32x4Nearest(): this { return this.simd(0x6a); }
  f64x2Abs(): this { return this.simd(0xec); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Mul(): this { return this.simd(0xf2); }
  f64x2Div(): this { return this.simd(0xf3); }
  f64x2Min(): this { return this.simd(0xf4); }
  f64x2Pmin(): this { return this.simd(0xf6); }
  i32x4FromF32x4(): this { return this.simd(0xf8); } // i32x4.trunc_sat_f32x4_s
  f32x4FromI32x4(): this { return this.simd(0xfa); } // f32x4.convert_i32x4_s
  /** a * b + c with one rounding (relaxed SIMD; the caller must have detected support). */
  relaxedMadd(): this { return this.simd(RELAXED_MADD); }
  /**
   * i16x8.relaxed_dot_i8x16_i7x16_s(a, b): lane i = a[2i]·b[2i] + a[2i+1]·b[2i+1], a signed bytes, b bytes
   * that must be in [0, 127] (x86 lowers it to pmaddubsw, which reads them unsigned). Relaxed SIMD.
   */
  relaxedDotI8x16I7x16(): this { return this.simd(RELAXED_DOT_I8_I7); }
}
