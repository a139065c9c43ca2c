/**
 * A dense float32 tensor: row-major `data` with the given `shape`. `data` may be a view into a larger
 * buffer (for example a weights file), so never assume `data.byteOffset` is 0.
 */
export class Tensor {
  readonly shape: readonly number[];
  #data: Float32Array | null;
  #decode: (() => Float32Array) | null;
  #decodeRange: ((from: number, count: number) => Float32Array) | null = null;

  /** @param data the values, or (see {@link Tensor.onDemand}) a function decoding them on each read */
  constructor(data: Float32Array | (() => Float32Array), shape: readonly number[]) {
    this.shape = shape;
    if (typeof data === 'function') {
      this.#data = null;
      this.#decode = data;
      return;
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new RangeError(`Tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
    }
    this.#data = data;
    this.#decode = null;
  }

  /**
   * A tensor decoded from its file on every read of `data`, never held: loading for `dtype: 'q8'` turns
   * float16 weights into int8 one tensor at a time, so a float32 copy of the whole file never exists.
   * Read `data` once into a local. `decodeRange(from, count)`, when given, decodes elements [from, from +
   * count) alone (see {@link Tensor.range}).
   */
  static onDemand(shape: readonly number[], decode: () => Float32Array, decodeRange?: (from: number, count: number) => Float32Array): Tensor {
    const t = new Tensor(decode, shape);
    t.#decodeRange = decodeRange ?? null;
    return t;
  }

  /** Whether `x` was constructed as a Tensor (an object merely given Tensor's prototype is not). */
  static isTensor(x: unknown): x is Tensor {
    return typeof x === 'object' && x !== null && #data in x;
  }

  /** Whether `data` is decoded on every read (see {@link Tensor.onDemand}). */
  get isOnDemand(): boolean {
    return this.#data === null;
  }

  /** Whether {@link range} decodes a part alone (an on-demand tensor given `decodeRange`) rather than viewing `data`. */
  get decodesRanges(): boolean {
    return this.#decodeRange !== null;
  }

  /**
   * Elements [from, from + count) of `data`: decoded alone when the tensor is decoded on demand from a
   * source that can read part of it (a large tensor then never exists whole as float32), else a view.
   */
  range(from: number, count: number): Float32Array {
    const n = this.shape.reduce((a, b) => a * b, 1);
    if (!(from >= 0 && count >= 0 && from + count <= n)) throw new RangeError(`Tensor.range(${from}, ${count}) is outside its ${n} elements`);
    return this.#decodeRange !== null ? this.#decodeRange(from, count) : this.data.subarray(from, from + count);
  }

  /** The values, row-major (a view into the file for aligned float32 checkpoints). */
  get data(): Float32Array {
    return this.#data ?? this.#decode!();
  }

  /** A zero-filled tensor of the given shape. */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The same data seen with another shape of equal size. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  /** Nested arrays, for printing, JSON output and tests. */
  toArray(): unknown[] {
    const build = (dim: number, offset: number): unknown[] => {
      const n = this.shape[dim];
      if (dim === this.shape.length - 1) return Array.from(this.data.subarray(offset, offset + n));
      const stride = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return this.shape.length === 0 ? [this.data[0]] : build(0, 0);
  }
}

/** Named tensors as a checkpoint holds them (Hugging Face state-dict keys). */
export type TensorMap = Map<string, Tensor>;

/**
 * An int8 tensor as a quantized checkpoint stores it (`deberta quantize`): row-major `data` with the given
 * `shape`; its float32 scales are a separate {@link Tensor}.
 */
export class Int8Tensor {
  readonly data: Int8Array;
  readonly shape: readonly number[];

  constructor(data: Int8Array, shape: readonly number[]) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new RangeError(`Int8Tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${n}`);
    }
    this.data = data;
    this.shape = shape;
  }
}

/** Int8 tensors by checkpoint key. */
export type Int8TensorMap = Map<string, Int8Tensor>;
