// Token classification has no Python fixture (transformers needs its Rust tokenizer's offsets for it). These
// tests run the real DeBERTa-v3 tokenizer and a stand-in model whose logits are set per token, so every
// expected value below follows by hand from transformers' documented semantics.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, InputError, parseConfig, Tensor, type DebertaForTokenClassification, type DebertaTokenizer, type ModelInputs } from '../../src/index.js';
import { classifyTokens } from '../../src/pipelines/token-classification.js';

const ROOT = join(import.meta.dirname, '..', '..');
const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const TEXT = 'Angela Merkel visited Hamburgerstadt yesterday.';
// Tokens: ▁Angela [0,6) ▁Merkel [6,13) ▁visited [13,21) ▁Hamburger [21,31) stadt [31,36) ▁yesterday [36,46) . [46,47)
const LOGITS: Record<string, number[]> = {
  '▁Angela': [0, 3, 0, 0, 0],
  '▁Merkel': [0, 0, 2, 0, 0],
  '▁visited': [2, 0, 0, 0, 0],
  '▁Hamburger': [0, 0, 0, 1, 0],
  stadt: [4, 0, 0, 0, 0],
  '▁yesterday': [3, 0, 0, 0, 0],
  '.': [3, 0, 0, 0, 0],
};
const E = Math.E;
// softmax of a row with one logit x among four zeros: e^x / (e^x + 4)
const p = (x: number) => Math.exp(x) / (Math.exp(x) + 4);

let tokenizer: DebertaTokenizer;
let model: DebertaForTokenClassification;

beforeAll(async () => {
  tokenizer = await AutoTokenizer.fromPretrained(join(ROOT, 'examples', 'deberta-v3-tiny-mlm'));
  const config = parseConfig({
    model_type: 'deberta-v2', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 16,
    vocab_size: 128100, id2label: Object.fromEntries(LABELS.map((l, i) => [i, l])),
  });
  const fake = {
    config,
    async forward(inputs: ModelInputs) {
      const B = inputs.inputIds.length;
      const L = inputs.inputIds[0].length;
      const data = new Float32Array(B * L * LABELS.length);
      inputs.inputIds.forEach((row, b) => row.forEach((id, t) => {
        const row5 = LOGITS[tokenizer.convertIdsToTokens([id])[0]] ?? [0, 0, 0, 0, 0];
        data.set(row5, (b * L + t) * LABELS.length);
      }));
      return { logits: new Tensor(data, [B, L, LABELS.length]) };
    },
  };
  model = fake as unknown as DebertaForTokenClassification;
});

describe('token classification (transformers semantics, hand-checked)', () => {
  it("'none': one entity per token, raw token strings, 'O' dropped", async () => {
    const [out] = await classifyTokens(model, tokenizer, [TEXT]);
    expect(out.map((e) => [e.entity, e.index, e.word, e.start, e.end])).toEqual([
      ['B-PER', 1, '▁Angela', 0, 6],
      ['I-PER', 2, '▁Merkel', 6, 13],
      ['B-LOC', 4, '▁Hamburger', 21, 31],
    ]);
    expect(out[0].score).toBeCloseTo(p(3), 6); // e^3 / (e^3 + 4) = 0.83393
    expect(out[2].score).toBeCloseTo(p(1), 6); // e / (e + 4) = 0.40461
  });

  it("'simple': consecutive B-/I- tokens of one tag merge; scores averaged; words decoded", async () => {
    const [out] = await classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'simple' });
    expect(out.map((e) => [e.entityGroup, e.word, e.start, e.end])).toEqual([
      ['PER', 'Angela Merkel', 0, 13],
      ['LOC', 'Hamburger', 21, 31],
    ]);
    expect(out[0].score).toBeCloseTo((p(3) + p(2)) / 2, 6);
  });

  it("'first': a word takes its first token's label ('stadt' continues 'Hamburger'; '.' continues 'yesterday')", async () => {
    const [out] = await classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'first' });
    // transformers joins already-decoded words with convert_tokens_to_string, which for SentencePiece
    // vocabularies glues them without a space: "AngelaMerkel" (start/end still span the original text).
    expect(out.map((e) => [e.entityGroup, e.word, e.start, e.end])).toEqual([
      ['PER', 'AngelaMerkel', 0, 13],
      ['LOC', 'Hamburgerstadt', 21, 36],
    ]);
    expect(out[1].score).toBeCloseTo(p(1), 6);
  });

  it("'max': a word takes the label of its most confident token ('stadt' says O at 0.93)", async () => {
    const [out] = await classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'max' });
    expect(out.map((e) => e.entityGroup)).toEqual(['PER']);
  });

  it("'average': a word takes the argmax of its tokens' mean scores", async () => {
    const [out] = await classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'average' });
    // Hamburgerstadt: mean O = (1/(e+4) + e^4/(e^4+4)) / 2 = 0.5403 > mean B-LOC = (e/(e+4) + 1/(e^4+4)) / 2 = 0.2080
    expect(out.map((e) => e.entityGroup)).toEqual(['PER']);
    const withO = (await classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'average', ignoreLabels: [] }))[0];
    // Kept, the O words "visited", "Hamburgerstadt" and "yesterday." form one group, scored by their mean.
    expect(withO.map((e) => [e.entityGroup, e.word, e.start, e.end])).toEqual([
      ['PER', 'AngelaMerkel', 0, 13],
      ['O', 'visitedHamburgerstadtyesterday.', 13, 47],
    ]);
    expect(withO[1].score).toBeCloseTo((p(2) + (1 / (E + 4) + p(4)) / 2 + p(3)) / 3, 6);
  });

  it('ignoreLabels can keep or drop any label, and lists of texts give one result each', async () => {
    const out = await classifyTokens(model, tokenizer, [TEXT, 'Angela'], { ignoreLabels: ['O', 'I-PER'] });
    expect(out).toHaveLength(2);
    expect(out[0].map((e) => e.entity)).toEqual(['B-PER', 'B-LOC']);
    expect(out[1].map((e) => [e.entity, e.start, e.end])).toEqual([['B-PER', 0, 6]]);
  });

  it('rejects an unknown strategy', async () => {
    await expect(classifyTokens(model, tokenizer, [TEXT], { aggregationStrategy: 'longest' as never })).rejects.toThrow(InputError);
  });

  it('group names follow transformers: the part after the first "-" (E-PER -> PER, O -> O)', async () => {
    const labels = ['O', 'E-PER', 'ORG-X-Y'];
    const m = {
      config: parseConfig({ model_type: 'deberta-v2', hidden_size: 16, num_attention_heads: 4, num_hidden_layers: 1, intermediate_size: 16,
        vocab_size: 128100, id2label: Object.fromEntries(labels.map((l, i) => [i, l])) }),
      async forward(inputs: ModelInputs) {
        const L = inputs.inputIds[0].length;
        const data = new Float32Array(L * 3);
        inputs.inputIds[0].forEach((id, t) => data.set(tokenizer.convertIdsToTokens([id])[0] === '▁Angela' ? [0, 5, 0] : [0, 0, 5], t * 3));
        return { logits: new Tensor(data, [1, L, 3]) };
      },
    } as unknown as DebertaForTokenClassification;
    const [out] = await classifyTokens(m, tokenizer, ['Angela Merkel'], { aggregationStrategy: 'simple' });
    expect(out.map((e) => e.entityGroup)).toEqual(['PER', 'X-Y']);
  });
});
