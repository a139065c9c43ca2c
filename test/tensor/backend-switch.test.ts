// Backends are values: a model packs its weights for the backend it is built with and keeps computing on
// it whatever the default becomes afterwards, and models on different backends run side by side. (A backend
// still multiplies a matrix another backend packed: kernels.test.ts checks that for every pair.)
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/io/safetensors.js';
import { DebertaModel } from '../../src/model/deberta-model.js';
import type { Backend } from '../../src/tensor/backend.js';
import { defaultBackend, kernels, setBackend, setDefaultBackend, withBackend } from '../../src/tensor/default-backend.js';
import { jsBackend } from '../../src/tensor/js/backend.js';
import { createWasmBackend } from '../../src/tensor/wasm/backend.js';
import { maxAbsDiff, modelDir, readJsonFile, type FixtureExpected, type FixtureInputs } from '../helpers/fixtures.js';

const backends: Backend[] = [jsBackend, createWasmBackend({ relaxedSimd: false }), createWasmBackend()];

function fixture(name: string) {
  const inputs = readJsonFile<FixtureInputs>(`${modelDir(name)}/inputs.json`);
  const expected = readJsonFile<FixtureExpected>(`${modelDir(name)}/expected.json`);
  const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };
  return { batch, expected };
}

describe('switching the default backend after load', () => {
  const initial = defaultBackend();
  afterEach(() => setDefaultBackend(initial));

  it.each(['v3_base_like', 'v1_base'])('%s: built on each backend, run while each backend is the default', async (name) => {
    const { batch, expected } = fixture(name);
    for (const builtOn of backends) {
      setDefaultBackend(builtOn);
      const model = await DebertaModel.fromPretrained(modelDir(name));
      expect(model.backend).toBe(builtOn);
      for (const defaultNow of backends) {
        setDefaultBackend(defaultNow);
        const { lastHiddenState } = await model.forward(batch);
        expect(model.backend, 'the model keeps its backend').toBe(builtOn);
        expect(maxAbsDiff(lastHiddenState.data, expected.last_hidden_state), `${builtOn.name}, default ${defaultNow.name}`).toBeLessThan(1e-4);
      }
      model.dispose();
    }
  });

  it('models on different backends, their forwards interleaved, each give the fixture', async () => {
    const { batch, expected } = fixture('v3_base_like');
    const models = await Promise.all(backends.map((backend) => DebertaModel.fromPretrained(modelDir('v3_base_like'), { backend })));
    models.forEach((m, i) => expect(m.backend).toBe(backends[i]));
    const outs = await Promise.all([...models, ...models].map((m) => m.forward(batch)));
    outs.forEach((out, i) => {
      expect(maxAbsDiff(out.lastHiddenState.data, expected.last_hidden_state), backends[i % backends.length].name).toBeLessThan(1e-4);
    });
    for (const m of models) m.dispose();
  });
});

describe('the deprecated global-backend calls', () => {
  const initial = defaultBackend();
  afterEach(() => setDefaultBackend(initial));

  it('kernels() is the default backend; setBackend sets the default for models built afterwards', async () => {
    expect(kernels()).toBe(defaultBackend());
    const other = backends.find((b) => b !== initial)!;
    const before = await DebertaModel.fromPretrained(modelDir('v3_base_like'));
    setBackend(other);
    expect(kernels()).toBe(other);
    const after = await DebertaModel.fromPretrained(modelDir('v3_base_like'));
    expect(before.backend).toBe(initial);
    expect(after.backend).toBe(other);
  });

  it('withBackend affects only models built inside it, and restores the default', async () => {
    const other = backends.find((b) => b !== initial)!;
    const { batch, expected } = fixture('v3_base_like');
    const config = readJsonFile<Record<string, unknown>>(`${modelDir('v3_base_like')}/config.json`);
    const tensors = readSafetensors(new Uint8Array(readFileSync(`${modelDir('v3_base_like')}/model.safetensors`)));
    const inside = withBackend(other, () => {
      expect(kernels()).toBe(other);
      return DebertaModel.fromWeights(config, tensors);
    });
    expect(kernels()).toBe(initial);
    expect(inside.backend).toBe(other);
    expect(DebertaModel.fromWeights(config, tensors).backend).toBe(initial);
    const { lastHiddenState } = await inside.forward(batch);
    expect(maxAbsDiff(lastHiddenState.data, expected.last_hidden_state)).toBeLessThan(1e-4);
  });

  it("a model's compute(fn) runs fn with the model's backend, which kernels() returns meanwhile", async () => {
    const other = backends.find((b) => b !== initial)!;
    const model = await DebertaModel.fromPretrained(modelDir('v3_base_like'), { backend: other });
    const [given, current] = model.compute((backend) => [backend, kernels()]);
    expect(given).toBe(other);
    expect(current).toBe(other);
    expect(kernels()).toBe(initial);
  });
});
