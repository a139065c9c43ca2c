/**
 * The backend's one WebAssembly.Memory and a first-fit allocator over it. Packed weights live here for
 * the model's lifetime (and, in a shared memory, models' activation buffers); kernel calls carve their
 * operands out of a reusable scratch block.
 *
 * Growing a non-shared memory detaches every view of the old buffer, so views are never cached by
 * callers: {@link WasmHeap.f32} and friends hand out a view of the current buffer, to be used before the
 * next allocation.
 */

/** The wasm memory cannot grow enough (4 GiB address space or the engine's limit); kernels fall back to JS. */
export class WasmHeapExhaustedError extends RangeError {
  override readonly name = 'WasmHeapExhaustedError';
}

const PAGE = 65536;
/** Every block starts on a cache line, which also satisfies v128 alignment. */
const ALIGN = 64;
/** 4 GiB: the wasm32 limit. Declaring a maximum reserves nothing until pages are grown. */
export const MAX_PAGES = 65536;

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  /** Free blocks [start, size], sorted by start and coalesced. */
  private readonly holes: Array<[number, number]> = [];
  private readonly used = new Map<number, number>();
  /** Everything below `top` is a block or a hole. */
  private top = ALIGN; // keep address 0 unused, so 0 can mean "none"
  private scratchPtr = 0;
  private scratchSize = 0;
  /** Every buffer this memory has had (a grown shared memory hands out a new SharedArrayBuffer of the same memory). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  private readonly maxPages: number;

  /**
   * `maxBytes` caps the memory (default and upper bound: the 4 GiB of wasm32). A `shared` memory (worker
   * threads need one) is backed by a SharedArrayBuffer: growing it never detaches views.
   */
  constructor(initialPages = 16, maxBytes = MAX_PAGES * PAGE, readonly shared = false) {
    this.maxPages = Math.max(1, Math.min(MAX_PAGES, Math.floor(maxBytes / PAGE)));
    this.memory = new WebAssembly.Memory({ initial: Math.min(initialPages, this.maxPages), maximum: this.maxPages, shared });
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /**
   * The byte address of `view` in this memory, or -1 when it lies elsewhere. Only a shared memory answers
   * (a non-shared one detaches its views when it grows, so none are handed out to be kept).
   */
  addressOf(view: ArrayBufferView): number {
    if (!this.shared) return -1;
    this.f32(); // records a buffer the memory grew into
    return this.buffers.has(view.buffer) ? view.byteOffset : -1;
  }

  /** A float view of the whole memory, valid until the next allocation. */
  f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer) this.refresh(); // a grown memory has a new buffer
    return this.f32View;
  }

  /** An int32 view of the whole memory, valid until the next allocation. */
  i32(): Int32Array {
    if (this.i32View.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }

  /** A byte view of the whole memory, valid until the next allocation. */
  u8(): Uint8Array {
    if (this.u8View.buffer !== this.memory.buffer) this.refresh();
    return this.u8View;
  }

  /** Bytes of memory currently reserved by the engine. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A block of at least `bytes`, 64-byte aligned; grows the memory when no hole fits. Throws
   * {@link WasmHeapExhaustedError} when the 4 GiB address space (or the engine) refuses.
   */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let h = 0; h < this.holes.length; h++) {
      const [start, hsize] = this.holes[h];
      if (hsize < size) continue;
      if (hsize === size) this.holes.splice(h, 1);
      else this.holes[h] = [start + size, hsize - size];
      this.used.set(start, size);
      return start;
    }
    const start = this.top;
    const end = start + size;
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      // Grow geometrically so a model's worth of weights costs a few grows, not hundreds.
      const current = this.memory.buffer.byteLength / PAGE;
      const want = Math.min(this.maxPages - current, Math.max(pages, current >> 2));
      if (current + pages > this.maxPages) throw new WasmHeapExhaustedError(`wasm heap: ${bytes} more bytes exceed its ${this.maxPages * PAGE} bytes`);
      try {
        this.memory.grow(want);
      } catch {
        try {
          this.memory.grow(pages); // the engine may refuse the geometric step but grant what is needed
        } catch {
          throw new WasmHeapExhaustedError(`wasm heap: the engine refused to grow the memory by ${bytes} bytes`);
        }
      }
    }
    this.top = end;
    this.used.set(start, size);
    return start;
  }

  /** Returns a block to the allocator. Freeing 0 or an unknown pointer is a no-op. */
  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) return;
    this.used.delete(ptr);
    let lo = 0;
    let hi = this.holes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.holes[mid][0] < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.holes.splice(lo, 0, [ptr, size]);
    // Coalesce with the neighbours, then give a trailing hole back to `top`.
    if (lo + 1 < this.holes.length && this.holes[lo][0] + this.holes[lo][1] === this.holes[lo + 1][0]) {
      this.holes[lo][1] += this.holes[lo + 1][1];
      this.holes.splice(lo + 1, 1);
    }
    if (lo > 0 && this.holes[lo - 1][0] + this.holes[lo - 1][1] === this.holes[lo][0]) {
      this.holes[lo - 1][1] += this.holes[lo][1];
      this.holes.splice(lo, 1);
      lo--;
    }
    const last = this.holes[this.holes.length - 1];
    if (last !== undefined && last[0] + last[1] === this.top) {
      this.top = last[0];
      this.holes.pop();
    }
  }

  /** Bytes held by live blocks (packed weights, the scratch block, activation buffers). */
  get allocatedBytes(): number {
    let s = 0;
    for (const size of this.used.values()) s += size;
    return s;
  }

  /**
   * The scratch block, at least `bytes` long: one block reused by every kernel call, so calls allocate
   * nothing once it has reached the largest size a model needs. Its contents do not survive the call.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchSize) {
      this.free(this.scratchPtr);
      this.scratchPtr = 0;
      this.scratchSize = 0;
      const size = Math.ceil((bytes * 1.25) / ALIGN) * ALIGN;
      this.scratchPtr = this.alloc(size);
      this.scratchSize = size;
    }
    return this.scratchPtr;
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.u8View = new Uint8Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }
}

/** Carves consecutive aligned regions out of one scratch block for the operands of a call. */
export class ScratchLayout {
  private offset = 0;

  /** Reserves `bytes` and returns its offset from the block start. */
  take(bytes: number): number {
    const at = this.offset;
    this.offset += Math.ceil(bytes / 64) * 64 + 64; // the slack lets v128 tiles read past a ragged end
    return at;
  }

  get size(): number {
    return this.offset;
  }
}
