import type { Backend } from '../tensor/backend.js';

/**
 * A model's reusable activation buffers. A forward of v3-base at batch 8 × 128 tokens passes some 400 MB
 * through intermediate arrays; allocated anew per call, they count as external memory to the garbage
 * collector, which answers with full mark-compacts, whose cost grows with the whole JS heap of the app
 * (measured beside a 100 MB heap: 2 mark-compacts, 210 ms of GC per forward). Taken from here instead, each
 * role's buffer is allocated once, grown to the largest batch seen, and reused by every layer and every call.
 *
 * Where the backend offers memory its kernels use in place (`Backend.allocate`: the wasm backend wherever its
 * memory is shared, i.e. Node, Deno, Bun and cross-origin isolated pages), the buffers live there, and
 * matmuls read and write them without copying.
 *
 * What a buffer holds is valid until the next `take` of its slot: a forward copies out only what it
 * returns. Forwards run synchronously, so calls never interleave inside one.
 */
export class Arena {
  private readonly buffers = new Map<string, Float32Array>();

  /** `backend`: where to allocate the buffers when it can (see `Backend.allocate`); otherwise the JS heap. */
  constructor(private readonly backend?: Backend) {}

  /** The first `length` elements of slot `name`'s buffer (contents left from earlier use; callers overwrite). */
  take(name: string, length: number): Float32Array {
    let buffer = this.buffers.get(name);
    if (buffer === undefined || buffer.length < length) {
      if (buffer !== undefined) this.backend?.release?.(buffer);
      buffer = this.backend?.allocate?.(length) ?? new Float32Array(length);
      this.buffers.set(name, buffer);
    }
    return buffer.length === length ? buffer : buffer.subarray(0, length);
  }

  /** Bytes held, for memory reports. */
  get byteLength(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.byteLength;
    return n;
  }

  /** Drops every buffer (they are reallocated on demand). */
  clear(): void {
    for (const buffer of this.buffers.values()) this.backend?.release?.(buffer);
    this.buffers.clear();
  }
}
