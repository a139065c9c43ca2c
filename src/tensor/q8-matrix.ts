/**
 * What this library's backends keep behind a {@link PackedQ8Matrix}: whatever layout their kernel wants,
 * plus a way back to the canonical int8 rows, so that a backend handed another one's pack can adopt it
 * (kernels only; model code never sees it).
 */
import { InputError } from '../errors.js';
import type { PackedQ8Matrix } from './backend.js';
import type { Int8Rows } from './quant.js';

/** A {@link PackedQ8Matrix} of one of this library's backends. */
export interface Q8Matrix extends PackedQ8Matrix {
  /** W [N, K] as contiguous int8 rows and [N] scales (a copy or a view: read it, do not keep it). */
  canonical(): Int8Rows;
}

/** The {@link Q8Matrix} behind `p`, which must come from one of this library's backends. */
export function q8MatrixOf(p: PackedQ8Matrix): Q8Matrix {
  const m = p as Partial<Q8Matrix>;
  if (typeof m.canonical !== 'function') {
    throw new InputError('this PackedQ8Matrix was not made by a backend of this library; pack it with the backend that multiplies it');
  }
  return p as Q8Matrix;
}
