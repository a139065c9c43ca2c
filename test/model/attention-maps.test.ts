// Attention maps: `outputAttentions` against transformers' `output_attentions` (test/fixtures/attention, made by
// scripts/make-attention-fixtures.py), and `outputAttentionTerms` against an independent float64 computation
// of the disentangled score terms from the raw checkpoint tensors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildRelativePosition,
  DebertaForMaskedLM,
  DebertaForMultipleChoice,
  DebertaForSequenceClassification,
  DebertaModel,
  InputError,
  MAX_ATTENTION_MAP_BYTES,
  readSafetensors,
  Tensor,
} from '../../src/index.js';
import { FIXTURES, type FixtureInputs, maxAbsDiff, modelDir, readJsonFile } from '../helpers/fixtures.js';

interface AttentionFixture {
  shape: number[];
  max_abs_diff_float32_vs_float64: number;
  /** [layers][batch][heads][query][key]. */
  attentions: number[][][][][];
}

// Measured max |ours - transformers| over all layers, heads and positions, worst of the four backends (js /
// wasm / wasm-simd / wasm-threads): v3_base_like 1.76e-6, v2_p2c_only_gelu_new 1.01e-6, v1_c2p_only_relu
// 8.1e-7, v1_no_relative_attention 7.4e-7, v1_base 6.3e-7. Each fixture records transformers' own float32-vs-
// float64 spread of these maps: up to 1.3e-6 (v3_base_like). Two float32 computations can each sit that far from
// the exact value, so ~2.6e-6 is legitimate; 5e-6 is 2.8x the worst measured and ~4x the recorded spread. A wrong
// term, scale, gather index or mask moves probabilities by 1e-2 or more.
const PROB_ATOL = 5e-6;

const CASES = ['v3_base_like', 'v1_base', 'v2_p2c_only_gelu_new', 'v1_c2p_only_relu', 'v1_no_relative_attention'];

function load(name: string): { dir: string; inputs: FixtureInputs; model: Promise<DebertaModel> } {
  const dir = modelDir(name);
  return { dir, inputs: readJsonFile<FixtureInputs>(join(dir, 'inputs.json')), model: DebertaModel.fromPretrained(dir) };
}

function modelInputs(inputs: FixtureInputs) {
  return { inputIds: inputs.input_ids, attentionMask: inputs.attention_mask, tokenTypeIds: inputs.token_type_ids };
}

describe.each(CASES)('outputAttentions matches transformers output_attentions: %s', (name) => {
  const { inputs, model: loading } = load(name);
  const fixture = readJsonFile<AttentionFixture>(join(FIXTURES, 'attention', `${name}.json`));

  it('gives one [batch, heads, seq, seq] map per encoder layer, within PROB_ATOL at every position', async () => {
    const model = await loading;
    const out = await model.forward(modelInputs(inputs), { outputAttentions: true });
    const [layers, ...shape] = fixture.shape;
    expect(out.attentions).toHaveLength(layers);
    expect(out.attentionTerms).toBeUndefined();
    out.attentions!.forEach((a, l) => {
      expect(a.shape).toEqual(shape);
      expect(maxAbsDiff(a.data, fixture.attentions[l]), `layer ${l}`).toBeLessThan(PROB_ATOL);
    });
  });

  it('is 0 at padded query rows and padded keys, and sums to 1 over each valid row', async () => {
    const model = await loading;
    const out = await model.forward(modelInputs(inputs), { outputAttentions: true });
    const mask = inputs.attention_mask;
    const L = mask[0].length;
    for (const a of out.attentions!) {
      const [batch, heads] = a.shape;
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < L; i++) {
            let sum = 0;
            for (let j = 0; j < L; j++) {
              const p = a.data[((b * heads + h) * L + i) * L + j];
              if (mask[b][i] === 0 || mask[b][j] === 0) expect(p).toBe(0);
              sum += p;
            }
            if (mask[b][i] === 1) expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
          }
        }
      }
    }
  });

  it('leaves the outputs exactly as they are without it', async () => {
    const model = await loading;
    const plain = await model.forward(modelInputs(inputs), { outputHiddenStates: true });
    const withMaps = await model.forward(modelInputs(inputs), { outputHiddenStates: true, outputAttentions: true, outputAttentionTerms: true });
    expect(plain.attentions).toBeUndefined();
    expect(withMaps.lastHiddenState.data).toEqual(plain.lastHiddenState.data);
    withMaps.hiddenStates!.forEach((h, i) => expect(h.data).toEqual(plain.hiddenStates![i].data));
    // Probabilities alone reuse one block of scratch per term; with the terms the blocks are kept: same numbers.
    const alone = await model.forward(modelInputs(inputs), { outputAttentions: true });
    withMaps.attentions!.forEach((a, l) => expect(a.data).toEqual(alone.attentions![l].data));
  });
});

// ---- The score terms, recomputed in float64 from config.json and model.safetensors --------------------------

interface RawConfig {
  model_type: string;
  hidden_size: number;
  num_attention_heads: number;
  num_hidden_layers: number;
  max_position_embeddings: number;
  max_relative_positions?: number;
  position_buckets?: number;
  pos_att_type?: string[] | null;
  relative_attention?: boolean;
  share_att_key?: boolean;
  norm_rel_ebd?: string;
  layer_norm_eps: number;
}

/** Row-major float64 matrix. */
interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** x [rows, in] · Wᵀ (W [out, in]) + bias, in float64. */
function linear(x: Mat, w: Tensor, bias: Tensor | null): Mat {
  const [out, inner] = w.shape;
  const y = new Float64Array(x.rows * out);
  for (let r = 0; r < x.rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias === null ? 0 : bias.data[o];
      for (let i = 0; i < inner; i++) s += x.data[r * inner + i] * w.data[o * inner + i];
      y[r * out + o] = s;
    }
  }
  return { rows: x.rows, cols: out, data: y };
}

function layerNorm(x: Mat, gamma: Tensor, beta: Tensor, eps: number): Mat {
  const y = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const mean = row.reduce((a, v) => a + v, 0) / x.cols;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / x.cols;
    for (let c = 0; c < x.cols; c++) y[r * x.cols + c] = ((row[c] - mean) / Math.sqrt(variance + eps)) * gamma.data[c] + beta.data[c];
  }
  return { rows: x.rows, cols: x.cols, data: y };
}

/** Rows [from, to) of a [n, cols] tensor as float64. */
function rowsOf(t: Tensor, from: number, to: number): Mat {
  const cols = t.shape[1];
  return { rows: to - from, cols, data: Float64Array.from(t.data.subarray(from * cols, to * cols)) };
}

/** v1's fused in_proj [3·heads·d, hidden]: part p (0 q, 1 k, 2 v) of every head, as [heads·d, hidden]. */
function inProjPart(inProj: Tensor, heads: number, d: number, p: number): Tensor {
  const H = inProj.shape[1];
  const out = new Float32Array(heads * d * H);
  for (let h = 0; h < heads; h++) out.set(inProj.data.subarray((3 * h + p) * d * H, (3 * h + p + 1) * d * H), h * d * H);
  return new Tensor(out, [heads * d, H]);
}

interface Terms {
  c2c: Float64Array;
  c2p: Float64Array | null;
  p2c: Float64Array | null;
}

/**
 * One layer's scaled score terms [batch, heads, L, L] in float64, from that layer's input states (float32
 * values from the model) and the raw tensors, following the formulas of transformers' DisentangledSelfAttention.
 */
function referenceTerms(cfg: RawConfig, w: Map<string, Tensor>, layer: number, input: Float32Array, batch: number, L: number): Terms {
  const v1 = cfg.model_type === 'deberta';
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const d = H / heads;
  const types = cfg.pos_att_type ?? [];
  const relative = cfg.relative_attention ?? false;
  const scale = 1 / Math.sqrt(d * (1 + types.length));
  const p = `encoder.layer.${layer}.attention.self.`;
  const get = (k: string) => {
    const t = w.get(k);
    if (t === undefined) throw new Error(`missing ${k}`);
    return t;
  };
  const x: Mat = { rows: batch * L, cols: H, data: Float64Array.from(input) };
  let wq: Tensor, bq: Tensor | null, wk: Tensor, bk: Tensor | null;
  if (v1) {
    wq = inProjPart(get(`${p}in_proj.weight`), heads, d, 0);
    bq = get(`${p}q_bias`);
    wk = inProjPart(get(`${p}in_proj.weight`), heads, d, 1);
    bk = null;
  } else {
    [wq, bq, wk, bk] = [get(`${p}query_proj.weight`), get(`${p}query_proj.bias`), get(`${p}key_proj.weight`), get(`${p}key_proj.bias`)];
  }
  const Q = linear(x, wq, bq);
  const K = linear(x, wk, bk);
  const size = batch * heads * L * L;
  const c2c = new Float64Array(size);
  const at = (b: number, h: number, i: number, j: number) => ((b * heads + h) * L + i) * L + j;
  const dot = (a: Mat, ra: number, b: Mat, rb: number, h: number) => {
    let s = 0;
    for (let e = 0; e < d; e++) s += a.data[ra * a.cols + h * d + e] * b.data[rb * b.cols + h * d + e];
    return s;
  };
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) c2c[at(b, h, i, j)] = dot(Q, b * L + i, K, b * L + j, h) * scale;
  if (!relative) return { c2c, c2p: null, p2c: null };

  // The relative-embedding rows the attention sees, and the span its indices are clamped to.
  const maxPos = (cfg.max_relative_positions ?? -1) < 1 ? cfg.max_position_embeddings : cfg.max_relative_positions!;
  const table = get('encoder.rel_embeddings.weight');
  let rel: Mat;
  let span: number;
  let relPos: Int32Array;
  if (v1) {
    span = Math.min(L, maxPos);
    rel = rowsOf(table, maxPos - span, maxPos + span);
    relPos = buildRelativePosition(L, L, 0, 0); // the index only: i - j
  } else {
    const buckets = cfg.position_buckets ?? -1;
    span = buckets > 0 ? buckets : maxPos;
    rel = rowsOf(table, 0, 2 * span);
    if ((cfg.norm_rel_ebd ?? 'none').split('|').map((s) => s.trim()).includes('layer_norm')) {
      rel = layerNorm(rel, get('encoder.LayerNorm.weight'), get('encoder.LayerNorm.bias'), cfg.layer_norm_eps);
    }
    relPos = buildRelativePosition(L, L, buckets, maxPos); // the index only: log buckets
  }
  const clampIndex = (r: number) => Math.min(Math.max(r + span, 0), 2 * span - 1);
  const share = !v1 && (cfg.share_att_key ?? false);
  let c2p: Float64Array | null = null;
  let p2c: Float64Array | null = null;
  if (types.includes('c2p')) {
    const posK = v1
      ? linear(rel, get(`${p}pos_proj.weight`), null)
      : share
        ? linear(rel, wk, bk)
        : linear(rel, get(`${p}pos_key_proj.weight`), get(`${p}pos_key_proj.bias`));
    c2p = new Float64Array(size);
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < L; i++)
          for (let j = 0; j < L; j++) c2p[at(b, h, i, j)] = dot(Q, b * L + i, posK, clampIndex(relPos[i * L + j]), h) * scale;
  }
  if (types.includes('p2c')) {
    const posQ = v1
      ? linear(rel, get(`${p}pos_q_proj.weight`), get(`${p}pos_q_proj.bias`))
      : share
        ? linear(rel, wq, bq)
        : linear(rel, get(`${p}pos_query_proj.weight`), get(`${p}pos_query_proj.bias`));
    p2c = new Float64Array(size);
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < L; i++)
          for (let j = 0; j < L; j++) p2c[at(b, h, i, j)] = dot(K, b * L + j, posQ, clampIndex(-relPos[j * L + i]), h) * scale;
  }
  return { c2c, c2p, p2c };
}

function maxDiff(a: Float32Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Measured max |ours - float64| over all TERM_CASES, layers, terms and the four backends: 2.45e-6 (c2c of
// v1_no_relative_attention), on terms up to |9.1| where a float32 ulp is 9.5e-7: float32 projections, then
// float32 dot products. 2e-5 leaves 8x headroom and is far below what a wrong gather index (another relative
// row's projection), a missing bias or scale changes (>1e-2).
const TERM_ATOL = 2e-5;

const TERM_CASES = [
  'v3_base_like', // buckets (log beyond ±4), share_att_key, rel-embedding LayerNorm
  'v2_share_att_key_false', // own pos_key_proj / pos_query_proj, index clamping, no LayerNorm
  'v2_c2p_only_no_buckets', // c2p only, plain clamping
  'v2_p2c_only_gelu_new', // p2c only with shared keys
  'v1_base', // v1: fused in_proj, pos_proj / pos_q_proj, att_span = L
  'v1_pbi_token_types', // v1 with att_span 6 < L (clamped)
  'v1_p2c_only_gelu_new',
  'v1_no_relative_attention',
];

describe.each(TERM_CASES)('outputAttentionTerms against a float64 reference: %s', (name) => {
  const { dir, inputs, model: loading } = load(name);
  const cfg = readJsonFile<RawConfig>(join(dir, 'config.json'));
  const weights = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));

  it('gives c2c, c2p and p2c (null when the config has no such term), each scaled', async () => {
    const model = await loading;
    const out = await model.forward(modelInputs(inputs), { outputHiddenStates: true, outputAttentionTerms: true });
    expect(out.attentions).toBeUndefined();
    const [batch, L] = [inputs.input_ids.length, inputs.input_ids[0].length];
    const types = (cfg.relative_attention ?? false) ? (cfg.pos_att_type ?? []) : [];
    expect(out.attentionTerms).toHaveLength(cfg.num_hidden_layers);
    out.attentionTerms!.forEach((t, l) => {
      const ref = referenceTerms(cfg, weights, l, out.hiddenStates![l].data, batch, L);
      expect(t.c2c.shape).toEqual([batch, cfg.num_attention_heads, L, L]);
      expect(maxDiff(t.c2c.data, ref.c2c), `layer ${l} c2c`).toBeLessThan(TERM_ATOL);
      for (const term of ['c2p', 'p2c'] as const) {
        if (!types.includes(term)) {
          expect(t[term], `layer ${l} ${term}`).toBeNull();
          continue;
        }
        expect(t[term]!.shape).toEqual([batch, cfg.num_attention_heads, L, L]);
        expect(maxDiff(t[term]!.data, ref[term]!), `layer ${l} ${term}`).toBeLessThan(TERM_ATOL);
      }
    });
  });

  it('sums, under the mask and a softmax, to the probabilities it returns', async () => {
    const model = await loading;
    const out = await model.forward(modelInputs(inputs), { outputAttentions: true, outputAttentionTerms: true });
    const mask = inputs.attention_mask;
    const [batch, L] = [mask.length, mask[0].length];
    const heads = cfg.num_attention_heads;
    out.attentionTerms!.forEach(({ c2c, c2p, p2c }, l) => {
      const probs = out.attentions![l].data;
      let worst = 0;
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < L; i++) {
            const row = (((b * heads + h) * L + i) * L);
            const s = (j: number) => c2c.data[row + j] + (c2p?.data[row + j] ?? 0) + (p2c?.data[row + j] ?? 0);
            const valid = (j: number) => mask[b][i] === 1 && mask[b][j] === 1;
            let max = -Infinity;
            for (let j = 0; j < L; j++) if (valid(j)) max = Math.max(max, s(j));
            let z = 0;
            for (let j = 0; j < L; j++) if (valid(j)) z += Math.exp(s(j) - max);
            for (let j = 0; j < L; j++) worst = Math.max(worst, Math.abs(probs[row + j] - (valid(j) ? Math.exp(s(j) - max) / z : 0)));
          }
        }
      }
      // float32 sum and softmax against the float64 softmax of the same terms: measured at most 1.6e-7.
      expect(worst, `layer ${l}`).toBeLessThan(1e-6);
    });
  });
});

describe('attention maps: task models, options and limits', () => {
  it('task models return the backbone maps too', async () => {
    const dir = join(modelDir('v1_base'), 'heads', 'sequence_classification');
    const inputs = readJsonFile<FixtureInputs>(join(modelDir('v1_base'), 'inputs.json'));
    const fixture = readJsonFile<AttentionFixture>(join(FIXTURES, 'attention', 'v1_base.json'));
    const clf = await DebertaForSequenceClassification.fromPretrained(dir);
    const out = await clf.forward(modelInputs(inputs), { outputAttentions: true, outputAttentionTerms: true });
    expect(out.logits.shape).toEqual([2, 3]);
    expect(out.attentions).toHaveLength(3);
    out.attentions!.forEach((a, l) => expect(maxAbsDiff(a.data, fixture.attentions[l])).toBeLessThan(PROB_ATOL));
    expect(out.attentionTerms!.map((t) => [t.c2p === null, t.p2c === null])).toEqual([[false, false], [false, false], [false, false]]);
    const plain = await clf.forward(modelInputs(inputs));
    expect(plain.logits.data).toEqual(out.logits.data);
    expect(plain.attentions).toBeUndefined();
  });

  it('multiple choice gives maps over the batch · choices sequences; masked LM accepts the options too', async () => {
    const dir = modelDir('v3_base_like');
    const { multiple_choice: mcInputs } = readJsonFile<FixtureInputs>(join(dir, 'inputs.json'));
    const mc = await DebertaForMultipleChoice.fromPretrained(join(dir, 'heads', 'multiple_choice'));
    const out = await mc.forward(
      { inputIds: mcInputs!.input_ids, attentionMask: mcInputs!.attention_mask, tokenTypeIds: mcInputs!.token_type_ids },
      { outputAttentions: true },
    );
    expect(out.logits.shape).toEqual([2, 2]);
    expect(out.attentions!.map((a) => a.shape)).toEqual(Array(3).fill([4, 4, 13, 13]));
    const mlm = await DebertaForMaskedLM.fromPretrained(join(dir, 'heads', 'lm_predictions')); // carries the EMD's positions
    const lm = await mlm.forward({ inputIds: [[1, 5, 7, 2]] }, { decoder: 'emd', outputAttentionTerms: true });
    expect(lm.attentionTerms).toHaveLength(3); // the encoder's layers only, not the decoder's re-applied last layer
    expect(lm.attentionTerms![0].c2p!.shape).toEqual([1, 4, 4, 4]);
  });

  it('refuses maps that would not fit in memory, naming the bytes and the shape, before computing', async () => {
    const model = await DebertaModel.fromPretrained(modelDir('v3_base_like')); // no absolute positions: any length
    // 3 layers × [12, 4, 2000, 2000] float32 = 2.304e9 bytes > 2^31.
    const inputIds = Array.from({ length: 12 }, () => new Array<number>(2000).fill(5));
    const started = performance.now();
    const err = await model.forward({ inputIds }, { outputAttentions: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('outputAttentions would need 2304000000 bytes');
    expect((err as Error).message).toContain('[batch 12, heads 4, 2000, 2000]');
    expect((err as Error).message).toContain(`${MAX_ATTENTION_MAP_BYTES}`);
    expect(performance.now() - started).toBeLessThan(5000); // refused up front, not after running 24k tokens
    // The terms are three maps: a quarter of that batch is already too large for them.
    const terms = await model.forward({ inputIds: inputIds.slice(0, 4) }, { outputAttentionTerms: true }).catch((e: unknown) => e);
    expect(terms).toBeInstanceOf(InputError);
    expect((terms as Error).message).toContain('outputAttentionTerms would need 2304000000 bytes');
  });

  it('checks the option names and values', async () => {
    const model = await DebertaModel.fromPretrained(modelDir('v1_c2p_only_relu'));
    const inputs = { inputIds: [[1, 2, 3]] };
    await expect(model.forward(inputs, { outputAttention: true } as never)).rejects.toThrow(/unknown option "outputAttention" \(did you mean "outputAttentions"\?\)/);
    await expect(model.forward(inputs, { outputAttentionTerm: true } as never)).rejects.toThrow(/did you mean "outputAttentionTerms"\?/);
    await expect(model.forward(inputs, { outputAttentions: 'yes' } as never)).rejects.toThrow(InputError);
    await expect(model.forward(inputs, { outputAttentionTerms: 1 } as never)).rejects.toThrow(/outputAttentionTerms must be true or false/);
    const off = await model.forward(inputs, { outputAttentions: false, outputAttentionTerms: false });
    expect(off.attentions).toBeUndefined();
    expect(off.attentionTerms).toBeUndefined();
  });
});
