import { WeightsError } from '../errors.js';
import { Tensor, type TensorMap } from '../tensor/tensor.js';

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

  /** The tensor `name`, checked against the expected shape. */
  get(name: string, shape: readonly number[]): Tensor {
    const key = this.key(name);
    const t = this.tensors.get(key);
    if (t === undefined) throw new WeightsError(`${this.source}: missing tensor "${key}" (expected shape [${shape.join(', ')}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new WeightsError(`${this.source}: tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return t;
  }

  /** Like {@link get}, or `null` when the checkpoint does not have it. */
  optional(name: string, shape: readonly number[]): Tensor | null {
    return this.has(name) ? this.get(name, shape) : null;
  }
}
