import { ConfigError } from '../errors.js';
import { show } from '../options.js';
import { ACTIVATIONS, type Activation } from '../tensor/activation.js';

/** Which relative-position terms the attention score adds to content-to-content. */
export type PosAttType = 'c2p' | 'p2c';

/**
 * A DeBERTa config.json, typed, with Hugging Face's defaults filled in for every option that changes the
 * math. Field names follow config.json (camelCase here), so each maps to its HF key.
 */
export interface DebertaConfig {
  /** `deberta` (v1) or `deberta-v2` (v2 and v3). */
  modelType: 'deberta' | 'deberta-v2';
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Per-head size; `attention_head_size`, else hidden / heads. */
  attentionHeadSize: number;
  intermediateSize: number;
  hiddenAct: Activation;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  relativeAttention: boolean;
  /** Resolved: a config value < 1 means `max_position_embeddings`. */
  maxRelativePositions: number;
  /** Log-bucket count (v2/v3); <= 0 means plain clamped distances. */
  positionBuckets: number;
  posAttType: PosAttType[];
  shareAttKey: boolean;
  /** `norm_rel_ebd` contains `layer_norm`: LayerNorm the relative-embedding table. */
  normRelEbd: boolean;
  positionBiasedInput: boolean;
  embeddingSize: number;
  /** v2 convolution branch after layer 0; 0 when absent. */
  convKernelSize: number;
  convGroups: number;
  convAct: Activation;
  padTokenId: number;
  poolerHiddenSize: number;
  poolerHiddenAct: Activation;
  /** `id2label` with numeric keys, when the config has one. */
  id2label: Record<number, string>;
  label2id: Record<string, number>;
  /** Number of labels of a classification head. */
  numLabels: number;
  /** `problem_type` of a sequence classifier, when set. */
  problemType: string | null;
  /** transformers-main's `legacy` flag for the masked-LM head layout (default true). */
  legacy: boolean;
}

type Raw = Record<string, unknown>;

function int(raw: Raw, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ConfigError(`config.json: "${key}" must be an integer, got ${show(raw[key])}`);
  }
  return v;
}

function positive(raw: Raw, key: string, fallback?: number): number {
  const v = int(raw, key, fallback);
  if (v < 1) throw new ConfigError(`config.json: "${key}" must be >= 1, got ${v}`);
  return v;
}

function num(raw: Raw, key: string, fallback: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ConfigError(`config.json: "${key}" must be a number, got ${show(raw[key])}`);
  }
  return v;
}

function bool(raw: Raw, key: string, fallback: boolean): boolean {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`config.json: "${key}" must be true or false, got ${show(raw[key])}`);
  return v;
}

function activation(raw: Raw, key: string, fallback: Activation): Activation {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
    throw new ConfigError(`config.json: "${key}" is ${show(v)}; supported: ${ACTIVATIONS.join(', ')}`);
  }
  return v as Activation;
}

function posAttType(raw: Raw): PosAttType[] {
  const v = raw.pos_att_type;
  if (v === undefined || v === null) return [];
  let items: unknown[];
  if (typeof v === 'string') items = v.toLowerCase().split('|').map((s) => s.trim());
  else if (Array.isArray(v)) items = v.map((s) => (typeof s === 'string' ? s.trim().toLowerCase() : s));
  else throw new ConfigError(`config.json: "pos_att_type" must be a list or a "p2c|c2p" string, got ${show(v)}`);
  const out: PosAttType[] = [];
  for (const item of items) {
    if (item === '' || item === 'none') continue;
    if (item !== 'c2p' && item !== 'p2c') {
      throw new ConfigError(`config.json: "pos_att_type" has ${show(item)}; supported: c2p, p2c`);
    }
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

function labels(raw: Raw): { id2label: Record<number, string>; label2id: Record<string, number> } {
  const id2label: Record<number, string> = {};
  const label2id: Record<string, number> = {};
  const src = raw.id2label;
  if (src !== undefined && src !== null) {
    if (typeof src !== 'object' || Array.isArray(src)) throw new ConfigError('config.json: "id2label" must be an object');
    for (const [k, label] of Object.entries(src as Raw)) {
      const id = Number(k);
      if (!Number.isInteger(id) || id < 0 || typeof label !== 'string') {
        throw new ConfigError(`config.json: "id2label" entry ${show(k)}: ${show(label)} is not <integer>: <string>`);
      }
      id2label[id] = label;
    }
  }
  const srcL = raw.label2id;
  if (srcL !== undefined && srcL !== null && typeof srcL === 'object' && !Array.isArray(srcL)) {
    for (const [label, id] of Object.entries(srcL as Raw)) if (typeof id === 'number') label2id[label] = id;
  }
  if (Object.keys(label2id).length === 0) for (const [id, label] of Object.entries(id2label)) label2id[label] = Number(id);
  return { id2label, label2id };
}

/**
 * Parses a Hugging Face DeBERTa config.json object (`model_type` `deberta` or `deberta-v2`).
 * @throws ConfigError naming the field when a value is missing, malformed or unsupported.
 */
export function parseConfig(json: unknown): DebertaConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError('config.json: not a JSON object');
  const raw = json as Raw;
  const modelType = raw.model_type;
  if (modelType !== 'deberta' && modelType !== 'deberta-v2') {
    throw new ConfigError(`config.json: "model_type" is ${show(modelType)}; supported: "deberta", "deberta-v2"`);
  }
  const v2 = modelType === 'deberta-v2';
  if (raw.talking_head) {
    throw new ConfigError('config.json: "talking_head" is not supported (no released DeBERTa checkpoint uses it)');
  }
  const hiddenSize = positive(raw, 'hidden_size', v2 ? 1536 : 768);
  const numAttentionHeads = positive(raw, 'num_attention_heads', v2 ? 24 : 12);
  const headSizeRaw = raw.attention_head_size;
  let attentionHeadSize: number;
  if (headSizeRaw === undefined || headSizeRaw === null || !v2) {
    if (hiddenSize % numAttentionHeads !== 0) {
      throw new ConfigError(`config.json: "hidden_size" ${hiddenSize} is not a multiple of "num_attention_heads" ${numAttentionHeads}`);
    }
    attentionHeadSize = hiddenSize / numAttentionHeads;
  } else {
    attentionHeadSize = positive(raw, 'attention_head_size');
  }
  const maxPositionEmbeddings = positive(raw, 'max_position_embeddings', 512);
  let maxRelativePositions = int(raw, 'max_relative_positions', -1);
  if (maxRelativePositions < 1) maxRelativePositions = maxPositionEmbeddings;
  const positionBuckets = v2 ? int(raw, 'position_buckets', -1) : -1;
  if (!v2 && raw.position_buckets !== undefined && raw.position_buckets !== null && (raw.position_buckets as number) > 0) {
    throw new ConfigError('config.json: "position_buckets" is a deberta-v2 option; model_type "deberta" does not use it');
  }
  if (positionBuckets > 0 && positionBuckets < 2) {
    throw new ConfigError(`config.json: "position_buckets" must be >= 2 when positive, got ${positionBuckets}`);
  }
  const normRaw = raw.norm_rel_ebd ?? 'none';
  if (typeof normRaw !== 'string') throw new ConfigError(`config.json: "norm_rel_ebd" must be a string, got ${show(normRaw)}`);
  const norms = normRaw.toLowerCase().split('|').map((s) => s.trim());
  for (const n of norms) {
    if (n !== 'none' && n !== 'layer_norm') throw new ConfigError(`config.json: "norm_rel_ebd" has ${show(n)}; supported: none, layer_norm`);
  }
  const embeddingSize = raw.embedding_size === undefined || raw.embedding_size === null ? hiddenSize : positive(raw, 'embedding_size');
  if (!v2 && embeddingSize !== hiddenSize) {
    throw new ConfigError(`config.json: "embedding_size" ${embeddingSize} differs from hidden_size; only deberta-v2 supports that`);
  }
  const convKernelSize = v2 ? int(raw, 'conv_kernel_size', 0) : 0;
  if (convKernelSize < 0) throw new ConfigError(`config.json: "conv_kernel_size" must be >= 0, got ${convKernelSize}`);
  const convGroups = v2 ? positive(raw, 'conv_groups', 1) : 1;
  if (convKernelSize > 0 && hiddenSize % convGroups !== 0) {
    throw new ConfigError(`config.json: "hidden_size" ${hiddenSize} is not a multiple of "conv_groups" ${convGroups}`);
  }
  const layerNormEps = num(raw, 'layer_norm_eps', 1e-7);
  if (layerNormEps < 0) throw new ConfigError(`config.json: "layer_norm_eps" must be >= 0, got ${layerNormEps}`);
  const { id2label, label2id } = labels(raw);
  const numLabels = raw.num_labels !== undefined ? positive(raw, 'num_labels') : Object.keys(id2label).length || 2;
  const problemType = raw.problem_type;
  return {
    modelType,
    vocabSize: positive(raw, 'vocab_size', v2 ? 128100 : 50265),
    hiddenSize,
    numHiddenLayers: positive(raw, 'num_hidden_layers', v2 ? 24 : 12),
    numAttentionHeads,
    attentionHeadSize,
    intermediateSize: positive(raw, 'intermediate_size', v2 ? 6144 : 3072),
    hiddenAct: activation(raw, 'hidden_act', 'gelu'),
    maxPositionEmbeddings,
    typeVocabSize: Math.max(0, int(raw, 'type_vocab_size', 0)),
    layerNormEps,
    relativeAttention: bool(raw, 'relative_attention', false),
    maxRelativePositions,
    positionBuckets,
    posAttType: posAttType(raw),
    shareAttKey: v2 ? bool(raw, 'share_att_key', false) : false,
    normRelEbd: v2 && norms.includes('layer_norm'),
    positionBiasedInput: bool(raw, 'position_biased_input', true),
    embeddingSize,
    convKernelSize,
    convGroups,
    convAct: activation(raw, 'conv_act', 'tanh'),
    padTokenId: int(raw, 'pad_token_id', 0),
    poolerHiddenSize: positive(raw, 'pooler_hidden_size', hiddenSize),
    poolerHiddenAct: activation(raw, 'pooler_hidden_act', 'gelu'),
    id2label,
    label2id,
    numLabels,
    problemType: typeof problemType === 'string' ? problemType : null,
    legacy: bool(raw, 'legacy', true),
  };
}
