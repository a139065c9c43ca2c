// dtype 'q8': the option, quantized checkpoints (write, read back bit-identical), and their bad inputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DebertaForMaskedLM,
  DebertaModel,
  InputError,
  Int8Tensor,
  jsBackend,
  pipeline,
  quantize,
  quantizeCheckpoint,
  readSafetensors,
  readSafetensorsQuantized,
  Tensor,
  toSafetensors,
  WeightsError,
  type Backend,
} from '../../src/index.js';
import { FixtureInputs, modelDir, readJsonFile } from '../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'deberta-q8-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const V3_MLM = join(modelDir('v3_base_like'), 'heads', 'masked_lm');
const V1_MLM = join(modelDir('v1_base'), 'heads', 'masked_lm');
const inputsOf = (model: string) => {
  const i = readJsonFile<FixtureInputs>(join(modelDir(model), 'inputs.json'));
  return { inputIds: i.input_ids, attentionMask: i.attention_mask, tokenTypeIds: i.token_type_ids };
};

/** Elementwise identity, -0 and NaN included. */
function identical(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

describe('the dtype option', () => {
  it('rejects anything but fp32 and q8, listing them', async () => {
    await expect(DebertaModel.fromPretrained(V3_MLM, { dtype: 'int8' as 'q8' })).rejects.toThrow(/dtype must be one of 'fp32', 'q8', got the string "int8"/);
    await expect(pipeline('fill-mask', V3_MLM, { dtype: 8 as unknown as 'q8' })).rejects.toThrow(InputError);
    const { config, tensors } = { config: readJsonFile<Record<string, unknown>>(join(V3_MLM, 'config.json')), tensors: readSafetensors(readFileSync(join(V3_MLM, 'model.safetensors'))) };
    expect(() => DebertaForMaskedLM.fromWeights(config, tensors, { dtype: 'fp16' as 'q8' })).toThrow(/dtype must be one of/);
  });

  it('q8 changes the numbers a little, fp32 not at all', async () => {
    const fp32 = await DebertaModel.fromPretrained(V3_MLM, { backend: jsBackend });
    const asked = await DebertaModel.fromPretrained(V3_MLM, { backend: jsBackend, dtype: 'fp32' });
    const q8 = await DebertaModel.fromPretrained(V3_MLM, { backend: jsBackend, dtype: 'q8' });
    const x = inputsOf('v3_base_like');
    const [a, b, c] = await Promise.all([fp32.forward(x), asked.forward(x), q8.forward(x)]);
    expect(identical(a.lastHiddenState.data, b.lastHiddenState.data)).toBe(true);
    const diff = Math.max(...a.lastHiddenState.data.map((v, i) => Math.abs(v - c.lastHiddenState.data[i])));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.27); // as q8-accuracy.test.ts bounds it against PyTorch (0.242 measured)
  });

  it('a backend without integer kernels runs q8 on the TypeScript reference, with the same numbers', async () => {
    const { packQ8: _p, gemmQ8: _g, dotQ8: _d, ...floatOnly } = jsBackend;
    const custom: Backend = { ...floatOnly, name: 'float-only' };
    const x = inputsOf('v3_base_like');
    const ref = await (await DebertaForMaskedLM.fromPretrained(V3_MLM, { backend: jsBackend, dtype: 'q8' })).forward(x);
    const out = await (await DebertaForMaskedLM.fromPretrained(V3_MLM, { backend: custom, dtype: 'q8' })).forward(x);
    expect(identical(out.logits.data, ref.logits.data)).toBe(true);
  });

  it('a backend with only some integer kernels is refused', async () => {
    const { gemmQ8: _g, ...partial } = jsBackend;
    await expect(DebertaModel.fromPretrained(V3_MLM, { backend: partial as Backend, dtype: 'q8' })).rejects.toThrow(/integer kernels come as a set/);
  });
});

describe('quantized checkpoints', () => {
  for (const [name, src, model] of [['v3', V3_MLM, 'v3_base_like'], ['v1 (fused in_proj)', V1_MLM, 'v1_base']] as const) {
    it(`${name}: quantize writes int8 + scales; loading it is bit-identical to quantizing at load`, async () => {
      const out = join(tmp, `q-${model}`);
      const files = await quantize(src, out);
      expect(files).toContain('model.safetensors');
      expect(files).toContain('config.json');
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { quantization_config: { quant_method: string } };
      expect(config.quantization_config.quant_method).toBe('deberta-q8');
      const { int8, tensors } = readSafetensorsQuantized(readFileSync(join(out, 'model.safetensors')));
      expect(int8.has('deberta.embeddings.word_embeddings.weight')).toBe(true);
      for (const [key, t] of int8) {
        expect(tensors.get(`${key}_scale`)!.shape).toEqual([t.shape[0]]);
        expect(t.data.every((v) => v >= -127 && v <= 127)).toBe(true);
      }
      // Every 2-D weight of a Linear is int8; LayerNorms, biases and relative embeddings stay float.
      expect([...int8.keys()].some((k) => k.includes('LayerNorm') || k.includes('rel_embeddings'))).toBe(false);
      expect([...int8.keys()].filter((k) => /(query_proj|in_proj|intermediate\.dense|output\.dense)\.weight$/.test(k)).length).toBeGreaterThan(0);
      const x = inputsOf(model);
      for (const backend of [jsBackend, undefined]) {
        const atLoad = await DebertaForMaskedLM.fromPretrained(src, { backend, dtype: 'q8' });
        const stored = await DebertaForMaskedLM.fromPretrained(out, { backend }); // q8 by default for these
        const [a, b] = await Promise.all([atLoad.forward(x), stored.forward(x)]);
        expect(identical(a.logits.data, b.logits.data)).toBe(true);
        atLoad.dispose();
        stored.dispose();
      }
    });
  }

  it('is about a quarter of the float32 file', async () => {
    const out = join(tmp, 'size');
    await quantize(V3_MLM, out);
    const ratio = statSync(join(out, 'model.safetensors')).size / statSync(join(V3_MLM, 'model.safetensors')).size;
    // Tiny fixture: LayerNorms, biases and relative embeddings (float) weigh more here than in a real model.
    expect(ratio).toBeLessThan(0.4);
    expect(ratio).toBeGreaterThan(0.25);
  });

  it('refuses to quantize twice, and to load as fp32', async () => {
    const out = join(tmp, 'twice');
    await quantize(V3_MLM, out);
    await expect(quantizeCheckpoint(out)).rejects.toThrow(/already quantized \(deberta-q8\)/);
    await expect(DebertaModel.fromPretrained(out, { dtype: 'fp32' })).rejects.toThrow(/is quantized \(deberta-q8\); load it with dtype 'q8'/);
  });

  describe('a broken quantized checkpoint names the tensor', () => {
    const KEY = 'deberta.encoder.layer.0.attention.self.query_proj.weight';
    async function broken(name: string, edit: (t: Map<string, Tensor | Int8Tensor>) => void): Promise<string> {
      const { config, tensors } = await quantizeCheckpoint(V3_MLM);
      const copy = new Map(tensors);
      edit(copy);
      const dir = join(tmp, name);
      await quantize(V3_MLM, dir); // folder with tokenizer files and config
      writeFileSync(join(dir, 'model.safetensors'), toSafetensors(copy));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      return dir;
    }

    it('missing scale', async () => {
      const dir = await broken('no-scale', (t) => t.delete(`${KEY}_scale`));
      await expect(DebertaModel.fromPretrained(dir)).rejects.toThrow(`missing tensor "${KEY}_scale" (expected shape [32])`);
      await expect(DebertaModel.fromPretrained(dir)).rejects.toThrow(WeightsError);
    });

    it('misshaped scale', async () => {
      const dir = await broken('bad-scale', (t) => t.set(`${KEY}_scale`, new Tensor(new Float32Array(3), [3])));
      await expect(DebertaModel.fromPretrained(dir)).rejects.toThrow(`tensor "${KEY}_scale" has shape [3], expected [32]`);
    });

    it('negative scale and -128', async () => {
      const neg = await broken('neg-scale', (t) => {
        const s = (t.get(`${KEY}_scale`) as Tensor).data.slice();
        s[5] = -1;
        t.set(`${KEY}_scale`, new Tensor(s, [s.length]));
      });
      await expect(DebertaModel.fromPretrained(neg)).rejects.toThrow(/negative scale \(-1\) at \[5\]/);
      const min = await broken('minus-128', (t) => {
        const q = t.get(KEY) as Int8Tensor;
        const d = q.data.slice();
        d[7] = -128;
        t.set(KEY, new Int8Tensor(d, q.shape));
      });
      await expect(DebertaModel.fromPretrained(min)).rejects.toThrow(`"${KEY}" holds -128 at element 7`);
    });

    it('misshaped int8 weight', async () => {
      const dir = await broken('bad-int8', (t) => t.set(KEY, new Int8Tensor(new Int8Array(4), [2, 2])));
      await expect(DebertaModel.fromPretrained(dir)).rejects.toThrow(`int8 tensor "${KEY}" has shape [2, 2], expected [32, 32]`);
    });

    it('a quantized config beside a .bin file', async () => {
      const dir = join(tmp, 'bin');
      await quantize(V3_MLM, dir);
      rmSync(join(dir, 'model.safetensors'));
      copyFileSync(join(modelDir('v1_base'), 'pytorch_model.bin'), join(dir, 'pytorch_model.bin'));
      await expect(DebertaModel.fromPretrained(dir)).rejects.toThrow(/marks a deberta-q8 checkpoint, which is one model.safetensors file/);
    });
  });
});

describe('toSafetensors', () => {
  it('round-trips F32 and I8 tensors through the strict reader, F32 aligned for views', () => {
    const f = new Tensor(new Float32Array([1.5, -2, 3.25]), [3]);
    const q = new Int8Tensor(new Int8Array([-127, 0, 5, 127, 1]), [5]);
    const bytes = toSafetensors(new Map<string, Tensor | Int8Tensor>([['q', q], ['f', f]]));
    const { tensors, int8 } = readSafetensorsQuantized(bytes);
    expect(Array.from(tensors.get('f')!.data)).toEqual([1.5, -2, 3.25]);
    expect(Array.from(int8.get('q')!.data)).toEqual([-127, 0, 5, 127, 1]);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    // the plain reader widens I8 to float32, as for any checkpoint
    expect(Array.from(readSafetensors(bytes).get('q')!.data)).toEqual([-127, 0, 5, 127, 1]);
  });
});

describe('q8 from a float16 checkpoint', () => {
  const FP16 = join(modelDir('v3_base_like'), 'fp16');

  it('decodes each tensor on demand, never holding a float32 copy of the file', () => {
    const tensors = readSafetensors(readFileSync(join(FP16, 'model.safetensors')), 'model.safetensors', 'on-demand');
    const t = tensors.get('embeddings.word_embeddings.weight')!;
    const first = t.data;
    expect(t.data).not.toBe(first); // decoded again: the tensor holds no array
    expect(Array.from(t.data)).toEqual(Array.from(first));
    const eager = readSafetensors(readFileSync(join(FP16, 'model.safetensors'))).get('embeddings.word_embeddings.weight')!;
    expect(eager.data).toBe(eager.data);
    expect(Array.from(eager.data)).toEqual(Array.from(first));
  });

  it('gives the same bits as quantizing eagerly decoded weights', async () => {
    const config = readJsonFile<Record<string, unknown>>(join(FP16, 'config.json'));
    const eager = DebertaModel.fromWeights(config, readSafetensors(readFileSync(join(FP16, 'model.safetensors'))), { dtype: 'q8' });
    const onDemand = await DebertaModel.fromPretrained(FP16, { dtype: 'q8' });
    const x = inputsOf('v3_base_like');
    const [a, b] = await Promise.all([eager.forward(x), onDemand.forward(x)]);
    expect(identical(a.lastHiddenState.data, b.lastHiddenState.data)).toBe(true);
  });
});

describe('q8 from a local folder: read and quantized one tensor at a time', () => {
  /** The folder's files through a FileSource without random access: the whole file is read first. */
  const wholeFile = (dir: string) => ({
    name: dir,
    read: async (file: string) => {
      try {
        return new Uint8Array(readFileSync(join(dir, file)));
      } catch {
        return null;
      }
    },
  });

  it('gives the same bits as quantizing from the whole file, for a backbone and an MLM head (float32 and float16 files)', async () => {
    for (const [cls, dir, inputs] of [
      [DebertaForMaskedLM, V3_MLM, 'v3_base_like'],
      [DebertaForMaskedLM, V1_MLM, 'v1_base'],
      [DebertaModel, join(modelDir('v3_base_like'), 'fp16'), 'v3_base_like'],
    ] as const) {
      const streamed = await (cls as typeof DebertaModel).fromPretrained(dir, { dtype: 'q8' });
      const whole = await (cls as typeof DebertaModel).fromPretrained(wholeFile(dir), { dtype: 'q8' });
      const x = inputsOf(inputs);
      const [a, b] = await Promise.all([streamed.forward(x), whole.forward(x)]);
      const out = (r: unknown) => ((r as { logits?: Tensor }).logits ?? (r as { lastHiddenState: Tensor }).lastHiddenState).data;
      expect(identical(out(a), out(b)), dir).toBe(true);
      streamed.dispose();
      whole.dispose();
    }
  });

  it('reports the weights file as loaded once the model is built', async () => {
    const events: Array<{ loaded: number; total?: number }> = [];
    const model = await DebertaModel.fromPretrained(modelDir('v1_base'), { dtype: 'q8', onProgress: (e) => e.file === 'model.safetensors' && events.push(e) });
    const size = statSync(join(modelDir('v1_base'), 'model.safetensors')).size;
    expect(events.length).toBeGreaterThan(3); // the header, then tensors as the model read them
    expect(events.map((e) => e.loaded)).toEqual(events.map((e) => e.loaded).sort((a, b) => a - b));
    expect(events.filter((e) => e.loaded === size).length).toBe(1);
    expect(events.at(-1)).toEqual({ file: 'model.safetensors', loaded: size, total: size });
    model.dispose();
  });

  it('quantizes a large tensor a block of rows at a time, never decoding it whole, with the same result', async () => {
    const { Weights } = await import('../../src/model/weights.js');
    const { quantizeRows } = await import('../../src/tensor/quant.js');
    const rows = 4500, cols = 1000; // 4.5M elements: more than one block of 2^22
    const full = new Float32Array(rows * cols).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    let whole = 0, parts = 0;
    const t = Tensor.onDemand([rows, cols], () => (whole++, full.slice()), (from, count) => (parts++, full.slice(from, from + count)));
    const q = new Weights(new Map([['w', t]])).withDtype('q8').getQ8('w', [rows, cols]);
    const want = quantizeRows(full, rows, cols);
    expect(whole).toBe(0);
    expect(parts).toBe(2);
    expect(Buffer.from(q.data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
    expect(identical(q.scales, want.scales)).toBe(true);
    // a non-finite weight in the second block is named as a whole-tensor read names it
    const bad = full.slice();
    bad[4400 * cols + 17] = Number.NaN;
    const inBlocks = Tensor.onDemand([rows, cols], () => bad.slice(), (from, count) => bad.slice(from, from + count));
    const message = `weights: tensor "w" has a non-finite value (NaN) at [4400, 17]; the checkpoint is corrupt or overflowed when it was saved`;
    expect(() => new Weights(new Map([['w', inBlocks]])).withDtype('q8').getQ8('w', [rows, cols])).toThrow(new WeightsError(message));
    expect(() => new Weights(new Map([['w', new Tensor(bad, [rows, cols])]])).withDtype('q8').getQ8('w', [rows, cols])).toThrow(new WeightsError(message));
    // an on-demand tensor that cannot decode a part is decoded once, whole, not once per block
    let wholeReads = 0;
    const noRanges = Tensor.onDemand([rows, cols], () => (wholeReads++, full.slice()));
    expect(noRanges.decodesRanges).toBe(false);
    const q2 = new Weights(new Map([['w', noRanges]])).withDtype('q8').getQ8('w', [rows, cols]);
    expect(wholeReads).toBe(1);
    expect(identical(q2.scales, want.scales)).toBe(true);
  });
});
