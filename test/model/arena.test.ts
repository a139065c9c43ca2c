// A model reuses its activation buffers across forwards (model/arena.ts): what a forward returns must stay
// intact through later forwards, and reusing buffers grown by a larger batch must not change any result.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebertaForSequenceClassification, DebertaModel } from '../../src/index.js';
import { Arena } from '../../src/model/arena.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { createWasmBackend, threadsSupported } from '../../src/tensor/wasm/backend.js';
import { sharedMemorySupported } from '../../src/tensor/wasm/host/detect.js';
import { FixtureInputs, modelDir, readJsonFile } from '../helpers/fixtures.js';

const root = modelDir('v3_base_like');
const inputs = readJsonFile<FixtureInputs>(join(root, 'inputs.json'));
const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };
const one = { inputIds: [inputs.input_ids[0].slice(0, 5)] };

describe('activation buffers reused across forwards', () => {
  for (const padding of ['compute', 'skip'] as const) {
    it(`(${padding}) returned outputs survive later forwards, and results do not depend on what ran before`, async () => {
      const model = await DebertaModel.fromPretrained(root);
      const fresh = await DebertaModel.fromPretrained(root);
      const first = await model.forward(batch, { padding, outputHiddenStates: true });
      const kept = first.lastHiddenState.data.slice();
      const keptLayer1 = first.hiddenStates![1].data.slice();
      const small = await model.forward(one, { padding }); // reuses (a prefix of) the same buffers
      const again = await model.forward(batch, { padding });
      expect(Array.from(first.lastHiddenState.data)).toEqual(Array.from(kept));
      expect(Array.from(first.hiddenStates![1].data)).toEqual(Array.from(keptLayer1));
      expect(Array.from(again.lastHiddenState.data)).toEqual(Array.from(kept));
      expect(Array.from(small.lastHiddenState.data)).toEqual(Array.from((await fresh.forward(one, { padding })).lastHiddenState.data));
      expect(model.arena.byteLength).toBeGreaterThan(0);
      model.dispose();
      expect(model.arena.byteLength).toBe(0);
      fresh.dispose();
    });
  }

  it('task heads too (their backbone buffers are reused under the logits they return)', async () => {
    const m = await DebertaForSequenceClassification.fromPretrained(join(root, 'heads', 'sequence_classification'));
    const a = await m.forward(batch);
    const kept = a.logits.data.slice();
    await m.forward(one);
    expect(Array.from(a.logits.data)).toEqual(Array.from(kept));
    expect(Array.from((await m.forward(batch)).logits.data)).toEqual(Array.from(kept));
  });
});

describe('buffers from the backend (Backend.allocate)', () => {
  it('are taken when it offers them, released when a slot grows and on clear; an ordinary array when it declines', () => {
    const given: Float32Array[] = [], released: Float32Array[] = [];
    let offer = true;
    const backend = {
      ...jsBackend,
      allocate: (length: number) => (offer ? (given[given.length] = new Float32Array(length)) : undefined),
      release: (b: Float32Array) => void released.push(b),
    };
    const arena = new Arena(backend);
    const a = arena.take('x', 10);
    expect(a).toBe(given[0]);
    expect(arena.take('x', 6).buffer).toBe(given[0].buffer); // a prefix of the same buffer
    const grown = arena.take('x', 20);
    expect(grown).toBe(given[1]);
    expect(released).toEqual([given[0]]);
    offer = false;
    const plain = arena.take('y', 5);
    expect(given).toHaveLength(2);
    expect(plain).toBeInstanceOf(Float32Array);
    arena.clear();
    expect(released).toEqual([given[0], given[1], plain]); // release ignores what it did not allocate
    expect(arena.byteLength).toBe(0);
  });

  // One thread too: wherever the engine makes memories shareable, the backend's is, so that it can offer buffers.
  const threadCounts = [...(sharedMemorySupported() ? [1] : []), ...(threadsSupported() ? [2] : [])];
  it.each(threadCounts)('a model on %i thread(s) keeps its activations in the wasm memory, with the bits of operands copied in and out, and frees them', async (numThreads) => {
    const backend = createWasmBackend({ numThreads });
    const model = await DebertaModel.fromPretrained(root, { backend, dtype: 'q8' });
    // the same kernels without `allocate`: the arena on the JS heap, every operand copied into the memory and back
    const copying = Object.create(backend, { allocate: { value: undefined }, release: { value: undefined } }) as typeof backend;
    const reference = await DebertaModel.fromPretrained(root, { backend: copying, dtype: 'q8' });
    const out = await model.forward(batch);
    const hidden = model.arena.take('hidden.0', 1); // a layer's output buffer
    expect(hidden.buffer).toBeInstanceOf(SharedArrayBuffer); // inside the backend's memory ...
    expect(reference.arena.take('hidden.0', 1).buffer).toBeInstanceOf(ArrayBuffer); // ... not on the JS heap
    expect(Array.from(out.lastHiddenState.data)).toEqual(Array.from((await reference.forward(batch)).lastHiddenState.data));
    expect(out.lastHiddenState.data.buffer).toBeInstanceOf(ArrayBuffer); // what a forward returns is the caller's
    // clearing the arena gives its blocks back (the packed weights and the scratch block stay)
    const [arenaBytes, inUse] = [model.arena.byteLength, backend.memoryStats().allocatedBytes];
    expect(arenaBytes).toBeGreaterThan(0);
    model.arena.clear();
    expect(inUse - backend.memoryStats().allocatedBytes).toBeGreaterThanOrEqual(arenaBytes);
    model.dispose();
    reference.dispose();
    backend.dispose();
  });
});
