// Per-model compute options: numThreads (a model's own WebAssembly backend and worker threads), an explicit
// backend, dispose(), concurrent forward calls, and that a process with threaded models exits by itself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebertaForSequenceClassification, DebertaModel, defaultBackend, InputError, jsBackend, pipeline, threadsSupported, type Backend, type WasmBackend } from '../../src/index.js';
import { FixtureExpected, FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';

const CASE = 'v3_base_like';
const dir = modelDir(CASE);
const inputs = readJsonFile<FixtureInputs>(join(dir, 'inputs.json'));
const expected = readJsonFile<FixtureExpected>(join(dir, 'expected.json'));
const batch = { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask };

describe('numThreads', () => {
  it.each([0, -1, 2.5, 1000, Number.NaN])('rejects %s with an InputError naming numThreads', async (n) => {
    await expect(DebertaModel.fromPretrained(dir, { numThreads: n })).rejects.toThrow(InputError);
    await expect(DebertaModel.fromPretrained(dir, { numThreads: n })).rejects.toThrow(/numThreads must be an integer from 1 to 256/);
  });

  it.runIf(threadsSupported())('a model on 2 threads matches the fixture; concurrent forwards do not interfere', async () => {
    const model = await DebertaModel.fromPretrained(dir, { numThreads: 2 });
    try {
      const out = await model.forward(batch);
      expect(maxAbsDiff(out.lastHiddenState.data, expected.last_hidden_state)).toBeLessThan(1e-4);
      const one = (i: number) => ({ inputIds: [inputs.input_ids[i % 2].slice(0, 5 + 3 * i)] });
      const alone: Float32Array[] = [];
      for (let i = 0; i < 4; i++) alone.push((await model.forward(one(i))).lastHiddenState.data);
      const together = await Promise.all([0, 1, 2, 3].map((i) => model.forward(one(i))));
      together.forEach((o, i) => expect(Array.from(o.lastHiddenState.data)).toEqual(Array.from(alone[i])));
    } finally {
      model.dispose();
    }
  });

  it('an explicit backend is used as given, by the backbone and the head', async () => {
    let gemms = 0;
    const spy: Backend = { ...jsBackend, name: 'spy', gemm: (...args) => { gemms++; return jsBackend.gemm(...args); } };
    const model = await DebertaForSequenceClassification.fromPretrained(join(dir, 'heads', 'sequence_classification'), { backend: spy });
    const atLoad = gemms; // relative-table projections are computed at load, on this backend
    expect(atLoad).toBeGreaterThan(0);
    const out = await model.forward(batch);
    // 3 layers x (q, k, v, attention output, intermediate, output) + pooler + classifier
    expect(gemms - atLoad).toBe(3 * 6 + 2);
    const want = expected.heads!.sequence_classification.logits;
    expect(maxAbsDiff(out.logits.data, want)).toBeLessThan(2e-4);
    model.dispose();
  });

  it('rejects numThreads together with a backend', async () => {
    await expect(DebertaModel.fromPretrained(dir, { backend: jsBackend, numThreads: 2 })).rejects.toThrow('numThreads and backend');
  });
});

describe('dispose', () => {
  it('makes later forwards reject, and is idempotent', async () => {
    const model = await DebertaModel.fromPretrained(dir, { numThreads: threadsSupported() ? 2 : 1 });
    await model.forward(batch);
    model.dispose();
    model.dispose();
    await expect(model.forward(batch)).rejects.toThrow('this model was disposed');
  });

  it.runIf(threadsSupported())('works on pipelines too', async () => {
    const fill = await pipeline('fill-mask', join(import.meta.dirname, '..', '..', 'examples', 'deberta-v3-tiny-mlm'), { numThreads: 2 });
    // The pipeline's model (head included) computes on its own 2-thread backend, not the shared one.
    const own = fill.model.backend as WasmBackend;
    expect(fill.model.deberta.backend).toBe(own);
    expect(own).not.toBe(defaultBackend());
    expect(own.numThreads).toBe(2);
    const out = await fill('Paris is the [MASK] of France.', { topK: 1 });
    expect((out as Array<{ token: number }>)[0].token).toBe(88831); // transformers' top proposal (pipeline fixture en-default)
    fill.dispose();
    await expect(fill('Paris is the [MASK] of France.')).rejects.toThrow('disposed');
  });

  it.runIf(threadsSupported())('a process with threaded models exits by itself, with or without dispose', () => {
    const lib = join(import.meta.dirname, '..', '..', 'dist', 'index.js');
    if (!existsSync(lib)) throw new Error(`${lib} is missing: run \`npm run build\` first (npm test does)`);
    for (const dispose of [false, true]) {
      const script = `
        const { DebertaModel } = await import(${JSON.stringify(lib)});
        const m = await DebertaModel.fromPretrained(${JSON.stringify(dir)}, { numThreads: 3 });
        const out = await m.forward({ inputIds: [[1, 5, 9, 2]] });
        ${dispose ? 'm.dispose();' : ''}
        console.log('ok', out.lastHiddenState.shape.join('x'));`;
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ok 1x4x32');
      expect(r.status).toBe(0);
      expect(Date.now() - t0).toBeLessThan(30_000);
    }
  });
});
