/**
 * `dtype`: the precision a model computes its matmuls in. `'fp32'` is float32 throughout; `'q8'` stores
 * every Linear weight and the word-embedding table as int8 and runs the matmuls on integers (scheme:
 * `tensor/quant.ts`), a quarter of the weight memory and faster kernels.
 */
import { InputError } from '../errors.js';
import { describe } from '../options.js';

export { isQuantizedConfig, Q8_QUANT_METHOD, SCALE_SUFFIX } from '../io/quantized-format.js';

/** A model's compute precision. */
export type ModelDtype = 'fp32' | 'q8';

/** The supported dtypes, in the order messages list them. */
export const DTYPES: readonly ModelDtype[] = ['fp32', 'q8'];

/** @throws {InputError} unless `dtype` is undefined or one of {@link DTYPES} */
export function checkDtype(dtype: unknown): asserts dtype is ModelDtype | undefined {
  if (dtype !== undefined && !DTYPES.includes(dtype as ModelDtype)) {
    throw new InputError(`dtype must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')}, got ${describe(dtype)}`);
  }
}
