/**
 * The plain TypeScript backend: the reference every other backend is tested against (each op's file is
 * its executable spec) and the fallback where WebAssembly SIMD is missing.
 */
import type { Backend } from '../backend.js';
import { activate } from './activations.js';
import { attention } from './attention.js';
import { conv1d } from './conv1d.js';
import { add, scaleRows } from './elementwise.js';
import { addGatheredScores, embeddingGather } from './gather.js';
import { layerNorm } from './layer-norm.js';
import { gemm, packB } from './matmul.js';
import { lstm } from './lstm.js';
import { dotQ8, gemmQ8, packQ8 } from './matmul-q8.js';
import { maskedSoftmax } from './softmax.js';

/** The plain TypeScript kernels: the reference and the fallback of every other backend. */
export const jsBackend: Backend = {
  name: 'js',
  appliesActivation: true,
  packB,
  gemm,
  packQ8,
  gemmQ8,
  dotQ8,
  add,
  scaleRows,
  layerNorm,
  maskedSoftmax,
  activate,
  embeddingGather,
  addGatheredScores,
  conv1d,
  lstm,
  attention,
};
