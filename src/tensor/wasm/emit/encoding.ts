/** Byte-level encodings of the WebAssembly binary format (LEB128 integers, IEEE floats, names). */

/** A growable byte sink; module sections and function bodies are written into one each. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }

  /** Unsigned LEB128 (indices, counts, sizes, memarg offsets). */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      const low = x & 0x7f;
      x >>>= 7;
      this.byte(x === 0 ? low : low | 0x80);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (i32.const immediates). */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const low = x & 0x7f;
      x >>= 7;
      const done = (x === 0 && (low & 0x40) === 0) || (x === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return this;
    }
  }

  f32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.bytes(b);
  }

  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.bytes(b);
  }

  /** A length-prefixed UTF-8 name (ASCII is all the emitters use). */
  name(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
    return this;
  }

  /** Another writer's bytes, prefixed by their length (section and function-body framing). */
  sized(w: ByteWriter): this {
    this.u32(w.length);
    return this.bytes(w.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
