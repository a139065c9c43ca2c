// One DisentangledSelfAttention, two weight loaders: v1's fused in_proj and v2's separate projections map
// onto the same forward.
import { describe, expect, it } from 'vitest';
import { defaultBackend, parseConfig, Tensor, type RelativeTerms } from '../../src/index.js';
import { DisentangledSelfAttention } from '../../src/model/attention.js';
import { buildRelativePosition, relativeIndex } from '../../src/model/relative-position.js';
import { Weights } from '../../src/model/weights.js';
import { randomArray, rng } from '../helpers/random.js';

const H = 12;
const heads = 3;
const d = H / heads;
const sizes = { hidden_size: H, num_attention_heads: heads, num_hidden_layers: 1, intermediate_size: 16, vocab_size: 10 };
const relative = { relative_attention: true, pos_att_type: ['c2p', 'p2c'], max_relative_positions: 4 };

describe('DisentangledSelfAttention', () => {
  it('computes the same context from v1 and v2 checkpoints holding the same projections', () => {
    const rand = rng(12);
    const w = (n: number) => randomArray(n, rand, 0.5);
    const [wq, wk, wv, wpk, wpq] = [0, 1, 2, 3, 4].map(() => w(H * H)); // [out, in] each
    const [bq, bv, bpq] = [0, 1, 2].map(() => w(H));
    const zero = new Float32Array(H); // v1's key and pos_proj have no bias
    const t = (data: Float32Array, shape: number[]) => new Tensor(data, shape);
    const v2 = new Map([
      ['query_proj.weight', t(wq, [H, H])], ['query_proj.bias', t(bq, [H])],
      ['key_proj.weight', t(wk, [H, H])], ['key_proj.bias', t(zero, [H])],
      ['value_proj.weight', t(wv, [H, H])], ['value_proj.bias', t(bv, [H])],
      ['pos_key_proj.weight', t(wpk, [H, H])], ['pos_key_proj.bias', t(zero, [H])],
      ['pos_query_proj.weight', t(wpq, [H, H])], ['pos_query_proj.bias', t(bpq, [H])],
    ]);
    // in_proj interleaves per head: q, k, v blocks of d rows for head 0, then head 1, ...
    const inProj = new Float32Array(3 * H * H);
    for (let h = 0; h < heads; h++) {
      [wq, wk, wv].forEach((m, p) => inProj.set(m.subarray(h * d * H, (h + 1) * d * H), (3 * h + p) * d * H));
    }
    const v1 = new Map([
      ['in_proj.weight', t(inProj, [3 * H, H])], ['q_bias', t(bq, [H])], ['v_bias', t(bv, [H])],
      ['pos_proj.weight', t(wpk, [H, H])],
      ['pos_q_proj.weight', t(wpq, [H, H])], ['pos_q_proj.bias', t(bpq, [H])],
    ]);
    const K = defaultBackend();
    const a2 = DisentangledSelfAttention.fromWeights(K, parseConfig({ model_type: 'deberta-v2', ...sizes, ...relative }), new Weights(v2));
    const a1 = DisentangledSelfAttention.fromWeights(K, parseConfig({ model_type: 'deberta', ...sizes, ...relative }), new Weights(v1));
    expect(a1.scale).toBe(a2.scale);
    expect(a1.scale).toBeCloseTo(1 / Math.sqrt(d * 3), 7);

    const [batch, length] = [2, 5];
    const hidden = w(batch * length * H);
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const table = w(8 * H);
    const index = relativeIndex(buildRelativePosition(length, length, 0, 0), length, 4);
    const terms = (a: DisentangledSelfAttention): RelativeTerms => {
      const pack = (pos: Float32Array) => Array.from({ length: heads }, (_, h) =>
        K.packB({ source: pos.subarray(index.rowLo * H), rows: d, cols: index.rows, transposed: true, offset: h * d, stride: H }));
      const { posKey, posQuery } = a.projections;
      return { posK: pack(posKey!.forward(table, 8)), posQ: pack(posQuery!.forward(table, 8)), c2p: index.c2p, p2c: index.p2c };
    };
    for (const rel of [false, true]) {
      const input = { batch, length, mask };
      const c1 = a1.forward(hidden, hidden, input, rel ? terms(a1) : null);
      const c2 = a2.forward(hidden, hidden, input, rel ? terms(a2) : null);
      expect(Array.from(c1)).toEqual(Array.from(c2));
    }
    a1.dispose();
    a2.dispose();
  });

  it('projects relative rows with key_proj / query_proj themselves under share_att_key', () => {
    const rand = rng(3);
    const tensors = new Map<string, Tensor>();
    for (const name of ['query_proj', 'key_proj', 'value_proj']) {
      tensors.set(`${name}.weight`, new Tensor(randomArray(H * H, rand), [H, H]));
      tensors.set(`${name}.bias`, new Tensor(randomArray(H, rand), [H]));
    }
    const config = parseConfig({ model_type: 'deberta-v2', ...sizes, ...relative, share_att_key: true });
    const a = DisentangledSelfAttention.fromWeights(defaultBackend(), config, new Weights(tensors));
    expect(a.projections.posKey).toBe(a.projections.key);
    expect(a.projections.posQuery).toBe(a.projections.query);
    a.dispose(); // once per distinct projection
  });

  it('has no position projections for terms the config leaves out', () => {
    const config = parseConfig({ model_type: 'deberta', ...sizes, ...relative, pos_att_type: ['p2c'] });
    const rand = rng(4);
    const tensors = new Map<string, Tensor>([
      ['in_proj.weight', new Tensor(randomArray(3 * H * H, rand), [3 * H, H])],
      ['q_bias', new Tensor(randomArray(H, rand), [H])],
      ['v_bias', new Tensor(randomArray(H, rand), [H])],
      ['pos_q_proj.weight', new Tensor(randomArray(H * H, rand), [H, H])],
      ['pos_q_proj.bias', new Tensor(randomArray(H, rand), [H])],
    ]);
    const a = DisentangledSelfAttention.fromWeights(defaultBackend(), config, new Weights(tensors));
    expect(a.projections.posKey).toBeNull();
    expect(a.projections.posQuery).not.toBeNull();
    expect(a.scale).toBeCloseTo(1 / Math.sqrt(d * 2), 7);
    a.dispose();
  });
});
