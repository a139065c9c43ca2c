// Linear's epilogue (residual, activation): the same bits as the product followed by separate add and
// activate, in float32 (PyTorch's order) and in q8 (where the backend fuses both into the int8 product).
import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/model/linear.js';
import { Weights } from '../../src/model/weights.js';
import type { GemmArgs } from '../../src/tensor/backend.js';
import { defaultBackend } from '../../src/tensor/default-backend.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randomArray, rng } from '../helpers/random.js';

const K = defaultBackend();

describe('Linear.forward with an epilogue', () => {
  it.each(['fp32', 'q8'] as const)('%s: residual and activation give the bits of separate add and activate', (dtype) => {
    const r = rng(99);
    const [rows, inF, outF] = [7, 48, 40];
    const tensors = new Map([
      ['weight', new Tensor(randomArray(outF * inF, r, 0.3), [outF, inF])],
      ['bias', new Tensor(randomArray(outF, r), [outF])],
    ]);
    const w = new Weights(tensors);
    const linear = new Linear(K, dtype === 'q8' ? w.withDtype('q8') : w, inF, outF);
    const x = randomArray(rows * inF, r, 2);
    const residual = randomArray(rows * outF + 5, r); // longer than the output: only rows · out elements count

    const added = linear.forward(x, rows);
    K.add({ a: added, b: residual, out: added, length: rows * outF });
    const fused = linear.forward(x, rows, new Float32Array(rows * outF), { residual });
    expect(fused.every((v, i) => Object.is(v, added[i]))).toBe(true);

    const activated = linear.forward(x, rows);
    K.activate({ activation: 'gelu', x: activated });
    const fusedAct = linear.forward(x, rows, undefined, { activation: 'gelu' });
    expect(fusedAct.every((v, i) => Object.is(v, activated[i]))).toBe(true);
    const plain = linear.forward(x, rows);
    expect(fusedAct.some((v, i) => v !== plain[i])).toBe(true); // the activation ran
    linear.dispose();
  });

  it('a backend that does not declare appliesActivation gets the activation applied separately', () => {
    const r = rng(5);
    const ignoring = { ...jsBackend, name: 'custom', appliesActivation: undefined, gemm: (args: GemmArgs) => jsBackend.gemm({ ...args, activation: undefined }) };
    const tensors = new Map([['weight', new Tensor(randomArray(6 * 4, r), [6, 4])], ['bias', new Tensor(randomArray(6, r), [6])]]);
    const x = randomArray(3 * 4, r, 3);
    const want = new Linear(jsBackend, new Weights(tensors), 4, 6).forward(x, 3, undefined, { activation: 'relu' });
    const got = new Linear(ignoring, new Weights(tensors), 4, 6).forward(x, 3, undefined, { activation: 'relu' });
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got.some((v) => v === 0)).toBe(true);
  });
});
