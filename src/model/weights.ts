import { WeightsError } from '../errors.js';
import { describe } from '../options.js';
import { quantizeRows, WEIGHT_QMAX, type Int8Rows } from '../tensor/quant.js';
import { Int8Tensor, Tensor, type Int8TensorMap, type TensorMap } from '../tensor/tensor.js';
import { SCALE_SUFFIX, type ModelDtype } from './dtype.js';

/** Elements per block when an on-demand tensor is quantized a block at a time (16 MiB as float32). */
const QUANTIZE_BLOCK = 1 << 22;

/** Tensors already checked for non-finite values (the word embeddings are fetched twice by masked-LM heads). */
const finiteChecked = new WeakSet<Tensor>();

/**
 * A checkpoint's tensors seen through a key prefix, like candle's `vb.pp("encoder")`: modules ask for
 * their own names (`dense.weight`) and get the tensor stored under the full Hugging Face key.
 */
export class Weights {
  private readonly quant: QuantState;

  constructor(
    tensors: TensorMap,
    readonly prefix = '',
    /** Where the tensors came from, for error messages. */
    readonly source = 'weights',
    quant?: QuantState,
  ) {
    this.quant = quant ?? { tensors, dtype: 'fp32', int8: new Map(), quantized: new Map(), copies: new Map() };
  }

  private get tensors(): TensorMap {
    return this.quant.tensors;
  }

  /**
   * Drops every scope's hold on the checkpoint once a q8 model is built: its modules keep their int8
   * packs and float copies, and a `Weights` kept around (a task model's head weights) must not pin the
   * float32 file or the int8 rows already copied into packs. Reading afterwards finds nothing.
   */
  release(): void {
    this.quant.tensors = new Map();
    this.quant.int8 = new Map();
    this.quant.quantized.clear();
    this.quant.copies.clear();
  }

  /** The precision modules built from these weights compute in. */
  get dtype(): ModelDtype {
    return this.quant.dtype;
  }

  /**
   * The same tensors seen for a model of `dtype`, with a quantized checkpoint's int8 tensors. For `'q8'`,
   * float tensors are handed out as copies, so that nothing the model keeps pins the checkpoint's file
   * buffer (its float32 weights become int8 and the file can be collected).
   */
  withDtype(dtype: ModelDtype, int8: Int8TensorMap = new Map()): Weights {
    return new Weights(this.tensors, this.prefix, this.source, { tensors: this.tensors, dtype, int8, quantized: new Map(), copies: new Map() });
  }

  /** Every tensor quantized at load so far, by key (what `deberta quantize` writes as int8). */
  get quantizedTensors(): ReadonlyMap<string, Int8Rows> {
    return this.quant.quantized;
  }

  /** The same tensors and prefix, named `source` in error messages (e.g. to say which head asked). */
  withSource(source: string): Weights {
    return new Weights(this.tensors, this.prefix, source, this.quant);
  }

  /** The same tensors under `prefix.name.`. */
  scope(name: string): Weights {
    return new Weights(this.tensors, this.key(name) + '.', this.source, this.quant);
  }

  /** The full checkpoint key of a local name. */
  key(name: string): string {
    return this.prefix + name;
  }

  has(name: string): boolean {
    return this.tensors.has(this.key(name)) || this.quant.int8.has(this.key(name));
  }

  /**
   * The matrix `name` [rows, cols] as int8 rows with a float32 scale each: read as stored by a quantized
   * checkpoint (`name` int8 plus `name_scale` float32 [rows]), or quantized now from the float tensor
   * (once per key: the masked-LM decoder reuses the word embeddings).
   */
  getQ8(name: string, shape: readonly [number, number]): Int8Rows {
    const key = this.key(name);
    const done = this.quant.quantized.get(key);
    if (done !== undefined) return done;
    const stored = this.quant.int8.get(key);
    let rows: Int8Rows;
    if (stored !== undefined) {
      rows = this.readInt8(key, stored, shape);
    } else {
      const t = this.tensors.get(key);
      if (t === undefined) throw new WeightsError(`${this.source}: missing tensor "${key}" (expected shape [${shape.join(', ')}])`);
      const inBlocks = Tensor.isTensor(t) && t.decodesRanges && shape[0] * shape[1] > QUANTIZE_BLOCK;
      rows = inBlocks ? this.quantizeInBlocks(key, t, shape) : quantizeRows(this.check(key, t, shape), shape[0], shape[1]);
    }
    this.quant.quantized.set(key, rows);
    return rows;
  }

  /**
   * A tensor that decodes ranges quantized a block of rows at a time (the word embeddings of v3-base are 393 MB
   * as float32): each block is read, checked and quantized alone, with the same result as all at once.
   */
  private quantizeInBlocks(key: string, t: Tensor, shape: readonly [number, number]): Int8Rows {
    const [rows, cols] = shape;
    this.checkShape(key, t, shape);
    const data = new Int8Array(rows * cols);
    const scales = new Float32Array(rows);
    const step = Math.max(1, Math.floor(QUANTIZE_BLOCK / cols));
    for (let r0 = 0; r0 < rows; r0 += step) {
      const n = Math.min(step, rows - r0);
      const block = t.range(r0 * cols, n * cols);
      const bad = firstNonFinite(block);
      if (bad >= 0) throw this.nonFinite(key, t, block[bad], r0 * cols + bad);
      const q = quantizeRows(block, n, cols);
      data.set(q.data, r0 * cols);
      scales.set(q.scales, r0);
    }
    finiteChecked.add(t);
    return { data, scales };
  }

  /** A stored int8 tensor and its scales, checked. */
  private readInt8(key: string, t: Int8Tensor, shape: readonly [number, number]): Int8Rows {
    if (!(t instanceof Int8Tensor) || t.shape.length !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
      throw new WeightsError(`${this.source}: int8 tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    const scaleKey = key + SCALE_SUFFIX;
    const s = this.tensors.get(scaleKey);
    if (s === undefined) throw new WeightsError(`${this.source}: int8 tensor "${key}" has no scales: missing tensor "${scaleKey}" (expected shape [${shape[0]}])`);
    const scales = this.check(scaleKey, s, [shape[0]]);
    const bad = scales.findIndex((v) => !(v >= 0));
    if (bad >= 0) throw new WeightsError(`${this.source}: tensor "${scaleKey}" has a negative scale (${scales[bad]}) at [${bad}]`);
    const q = t.data;
    for (let i = 0; i < q.length; i++) {
      if (q[i] < -WEIGHT_QMAX) throw new WeightsError(`${this.source}: int8 tensor "${key}" holds -128 at element ${i}; the q8 scheme uses [-127, 127]`);
    }
    return { data: q, scales: scales.slice() };
  }

  /**
   * The tensor `name`, checked against the expected shape and for NaN and ±Infinity: a non-finite weight
   * would surface as NaN outputs at best, and at worst be swallowed (a NaN score row looks padded to the
   * masked softmax), so it is refused here, naming the tensor and the first bad element.
   */
  get(name: string, shape: readonly number[]): Tensor {
    const key = this.key(name);
    const t = this.tensors.get(key);
    if (t === undefined) {
      if (this.quant.int8.has(key)) throw new WeightsError(`${this.source}: tensor "${key}" is stored as int8, but this model reads it as float32; the quantized checkpoint does not match the model`);
      throw new WeightsError(`${this.source}: missing tensor "${key}" (expected shape [${shape.join(', ')}])`);
    }
    if (this.quant.dtype === 'fp32') {
      this.check(key, t, shape);
      return t;
    }
    let copy = this.quant.copies.get(key);
    if (copy === undefined) {
      copy = new Tensor(this.check(key, t, shape).slice(), t.shape);
      this.quant.copies.set(key, copy);
    }
    return copy;
  }

  /**
   * `t` checked as the float32 tensor `key` of `shape`, finite; returns its data, read once (a tensor
   * decoded on demand decodes on every read).
   */
  private check(key: string, t: Tensor, shape: readonly number[]): Float32Array {
    const data = dataOf(t);
    if (!(data instanceof Float32Array) || !Array.isArray(t.shape)) {
      throw new WeightsError(`${this.source}: "${key}" is not a float32 Tensor (got ${describe(t)})`);
    }
    this.checkShape(key, t, shape);
    if (data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new WeightsError(`${this.source}: tensor "${key}" has ${data.length} elements for shape [${shape.join(', ')}]`);
    }
    if (!finiteChecked.has(t)) {
      const bad = firstNonFinite(data);
      if (bad >= 0) throw this.nonFinite(key, t, data[bad], bad);
      finiteChecked.add(t);
    }
    return data;
  }

  private checkShape(key: string, t: Tensor, shape: readonly number[]): void {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(`${this.source}: tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }

  private nonFinite(key: string, t: Tensor, value: number, at: number): WeightsError {
    return new WeightsError(`${this.source}: tensor "${key}" has a non-finite value (${value}) at [${unravel(at, t.shape).join(', ')}]; the checkpoint is corrupt or overflowed when it was saved`);
  }

  /** Like {@link get}, or `null` when the checkpoint does not have it. */
  optional(name: string, shape: readonly number[]): Tensor | null {
    return this.has(name) ? this.get(name, shape) : null;
  }
}

/**
 * `t.data`, or undefined when `t` is not a Tensor (an object faking one included). Reading a real one may
 * throw (a tensor read from disk on demand: a changed file, an aborted load): that propagates as it is.
 */
function dataOf(t: unknown): unknown {
  return Tensor.isTensor(t) ? t.data : undefined;
}

/** Index of the first NaN or ±Infinity in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  // x * 0 is NaN exactly for NaN and ±Infinity; four branch-free sums make the common all-finite case
  // a fast pass (about 0.6 ns per weight), and only a corrupt tensor pays for locating the element.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = data.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    s0 += data[i] * 0;
    s1 += data[i + 1] * 0;
    s2 += data[i + 2] * 0;
    s3 += data[i + 3] * 0;
  }
  for (let i = n4; i < data.length; i++) s0 += data[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  return data.findIndex((v) => !Number.isFinite(v));
}

/** A flat row-major index as per-dimension indices. */
function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}

/** What the scopes of one model's weights share about precision. */
interface QuantState {
  /** The checkpoint's float tensors (emptied by `release`). */
  tensors: TensorMap;
  readonly dtype: ModelDtype;
  /** A quantized checkpoint's int8 tensors. */
  int8: Int8TensorMap;
  /** int8 rows handed out, by key: stored ones and those quantized at load. */
  readonly quantized: Map<string, Int8Rows>;
  /** float32 copies handed out under `'q8'`, by key. */
  readonly copies: Map<string, Tensor>;
}
