/**
 * The kernel interface: every hot loop the model runs goes through one {@link Backend}. Model code calls
 * `kernels()`; a faster backend (WebAssembly SIMD, threads) replaces the reference one with
 * {@link setBackend} without touching model code.
 */
import { activate, type Activation } from './js/activations.js';
import { conv1d } from './js/conv1d.js';
import { add, scaleRows } from './js/elementwise.js';
import { addGatheredScores, embeddingGather } from './js/gather.js';
import { layerNorm } from './js/layer-norm.js';
import { gemm, packB, type PackedMatrix } from './js/matmul.js';
import { maskedSoftmax } from './js/softmax.js';

export type { Activation } from './js/activations.js';
export type { PackedMatrix } from './js/matmul.js';

/** The operations a backend provides; see each reference implementation in `tensor/js/` for semantics. */
export interface Backend {
  readonly name: string;
  packB: typeof packB;
  gemm: typeof gemm;
  add: typeof add;
  scaleRows: typeof scaleRows;
  layerNorm: typeof layerNorm;
  maskedSoftmax: typeof maskedSoftmax;
  activate: typeof activate;
  embeddingGather: typeof embeddingGather;
  addGatheredScores: typeof addGatheredScores;
  conv1d: typeof conv1d;
}

/** The plain TypeScript kernels: the reference and the fallback of every other backend. */
export const jsBackend: Backend = {
  name: 'js',
  packB,
  gemm,
  add,
  scaleRows,
  layerNorm,
  maskedSoftmax,
  activate,
  embeddingGather,
  addGatheredScores,
  conv1d,
};

let active: Backend = jsBackend;

/** The backend in use. */
export function kernels(): Backend {
  return active;
}

/** Switches the backend for every model. */
export function setBackend(backend: Backend): void {
  active = backend;
}

