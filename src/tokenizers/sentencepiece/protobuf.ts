import { TokenizerError } from '../../errors.js';

/** Protobuf wire types this reader understands. */
export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A minimal reader for the protobuf wire format: just enough to walk a sentencepiece ModelProto without a
 * generated schema. Every read is bounds-checked so a truncated or corrupt file fails with a message
 * instead of reading garbage.
 */
export class ProtoReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as two 32-bit halves so 64-bit values (e.g. negative int32s) survive. */
  private varintParts(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new TokenizerError(`truncated varint at byte ${this.pos}`);
      const b = this.bytes[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    throw new TokenizerError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** An unsigned varint as a JS number (exact up to 2^53). */
  uint(): number {
    const [lo, hi] = this.varintParts();
    return hi * 4294967296 + lo;
  }

  /** An int32 field: negative values are sign-extended to 64 bits on the wire. */
  int32(): number {
    return this.varintParts()[0] | 0;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  float32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A length-delimited field's contents (a view into the original bytes). */
  bytesField(): Uint8Array {
    const len = this.uint();
    this.need(len);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    const raw = this.bytesField();
    try {
      return utf8.decode(raw);
    } catch {
      throw new TokenizerError(`invalid UTF-8 in a string field ending at byte ${this.pos}`);
    }
  }

  /** A reader over an embedded message. */
  message(): ProtoReader {
    const len = this.uint();
    this.need(len);
    const sub = new ProtoReader(this.bytes, this.pos, this.pos + len);
    this.pos += len;
    return sub;
  }

  /** Returns [fieldNumber, wireType]. */
  tag(): [number, number] {
    const key = this.uint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new TokenizerError(`invalid field number 0 at byte ${this.pos}`);
    return [field, key & 7];
  }

  skip(wire: number): void {
    switch (wire) {
      case WireType.Varint:
        this.uint();
        return;
      case WireType.Fixed64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.Bytes:
        this.bytesField();
        return;
      case WireType.Fixed32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new TokenizerError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  /** Throws unless the field has the wire type its schema declares. */
  expect(field: number, wire: number, expected: number): void {
    if (wire !== expected) {
      throw new TokenizerError(`field ${field} has wire type ${wire}, expected ${expected} (byte ${this.pos})`);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new TokenizerError(`truncated message: need ${n} bytes at byte ${this.pos}, message ends at ${this.end}`);
    }
  }
}
