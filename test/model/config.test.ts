import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/index.js';

const base = { model_type: 'deberta-v2', hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 64, vocab_size: 100 };

describe('parseConfig', () => {
  it('fills Hugging Face defaults for every option that changes the math', () => {
    const c = parseConfig(base);
    expect(c).toMatchObject({
      relativeAttention: false,
      maxRelativePositions: 512, // < 1 means max_position_embeddings (default 512)
      positionBuckets: -1,
      posAttType: [],
      shareAttKey: false,
      normRelEbd: false,
      positionBiasedInput: true,
      embeddingSize: 32,
      typeVocabSize: 0,
      hiddenAct: 'gelu',
      layerNormEps: 1e-7,
      attentionHeadSize: 8,
      convKernelSize: 0,
      convGroups: 1,
      convAct: 'tanh',
      padTokenId: 0,
      legacy: true,
    });
  });

  it('reads pos_att_type as a list or a "p2c|c2p" string in any case', () => {
    expect(parseConfig({ ...base, pos_att_type: 'P2C|c2p' }).posAttType).toEqual(['p2c', 'c2p']);
    expect(parseConfig({ ...base, pos_att_type: ['c2p'] }).posAttType).toEqual(['c2p']);
    expect(parseConfig({ ...base, pos_att_type: null }).posAttType).toEqual([]);
  });

  it('resolves max_relative_positions, norm_rel_ebd, attention_head_size and embedding_size', () => {
    const c = parseConfig({ ...base, max_position_embeddings: 64, max_relative_positions: 0, norm_rel_ebd: 'layer_norm', attention_head_size: 16, embedding_size: 24 });
    expect(c.maxRelativePositions).toBe(64);
    expect(c.normRelEbd).toBe(true);
    expect(c.attentionHeadSize).toBe(16);
    expect(c.embeddingSize).toBe(24);
  });

  it.each([
    [{ model_type: 'bert' }, 'model_type'],
    [{ ...base, pos_att_type: 'c2p|p2p' }, 'pos_att_type'],
    [{ ...base, hidden_act: 'mish' }, 'hidden_act'],
    [{ ...base, norm_rel_ebd: 'rms' }, 'norm_rel_ebd'],
    [{ ...base, hidden_size: 30 }, 'hidden_size'],
    [{ ...base, num_hidden_layers: 1.5 }, 'num_hidden_layers'],
    [{ ...base, relative_attention: 'yes' }, 'relative_attention'],
    [{ ...base, conv_kernel_size: 3, conv_groups: 5 }, 'conv_groups'],
    [{ ...base, model_type: 'deberta', talking_head: true }, 'talking_head'],
    [{ ...base, model_type: 'deberta', embedding_size: 16 }, 'embedding_size'],
    [{ ...base, position_buckets: 1 }, 'position_buckets'],
  ])('rejects %j naming %s', (raw, field) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(field);
  });
});
