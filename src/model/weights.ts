import { WeightsError } from '../errors.js';
import { describe } from '../options.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';

/** Tensors already checked for non-finite values (the word embeddings are fetched twice by masked-LM heads). */
const finiteChecked = new WeakSet<Tensor>();

/**
 * A checkpoint's tensors seen through a key prefix, like candle's `vb.pp("encoder")`: modules ask for
 * their own names (`dense.weight`) and get the tensor stored under the full Hugging Face key.
 */
export class Weights {
  constructor(
    private readonly tensors: TensorMap,
    readonly prefix = '',
    /** Where the tensors came from, for error messages. */
    readonly source = 'weights',
  ) {}

  /** The same tensors and prefix, named `source` in error messages (e.g. to say which head asked). */
  withSource(source: string): Weights {
    return new Weights(this.tensors, this.prefix, source);
  }

  /** The same tensors under `prefix.name.`. */
  scope(name: string): Weights {
    return new Weights(this.tensors, this.key(name) + '.', this.source);
  }

  /** The full checkpoint key of a local name. */
  key(name: string): string {
    return this.prefix + name;
  }

  has(name: string): boolean {
    return this.tensors.has(this.key(name));
  }

  /**
   * The tensor `name`, checked against the expected shape and for NaN and ±Infinity: a non-finite weight
   * would surface as NaN outputs at best, and at worst be swallowed (a NaN score row looks padded to the
   * masked softmax), so it is refused here, naming the tensor and the first bad element.
   */
  get(name: string, shape: readonly number[]): Tensor {
    const key = this.key(name);
    const t = this.tensors.get(key);
    if (t === undefined) throw new WeightsError(`${this.source}: missing tensor "${key}" (expected shape [${shape.join(', ')}])`);
    if (!(t instanceof Tensor) || !(t.data instanceof Float32Array) || !Array.isArray(t.shape)) {
      throw new WeightsError(`${this.source}: "${key}" is not a float32 Tensor (got ${describe(t)})`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(`${this.source}: tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new WeightsError(`${this.source}: tensor "${key}" has ${t.data.length} elements for shape [${shape.join(', ')}]`);
    }
    if (!finiteChecked.has(t)) {
      const bad = firstNonFinite(t.data);
      if (bad >= 0) {
        throw new WeightsError(`${this.source}: tensor "${key}" has a non-finite value (${t.data[bad]}) at [${unravel(bad, t.shape).join(', ')}]; the checkpoint is corrupt or overflowed when it was saved`);
      }
      finiteChecked.add(t);
    }
    return t;
  }

  /** Like {@link get}, or `null` when the checkpoint does not have it. */
  optional(name: string, shape: readonly number[]): Tensor | null {
    return this.has(name) ? this.get(name, shape) : null;
  }
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
