/**
 * gliner_config.json: GLiNER's settings and the backbone's DeBERTa config (`encoder_config`). Only what this
 * port computes is accepted; a setting that would change the math in a way it does not implement is a
 * {@link ConfigError} naming the field.
 */
import { ConfigError } from '../errors.js';
import { parseConfig, type DebertaConfig } from '../model/config.js';
import { show } from '../options.js';

/** GLiNER's two supported heads: span (`markerV0`) and token-level (`token_level`). */
export type GlinerSpanMode = 'markerV0' | 'token_level';

/** The parsed, checked gliner_config.json. */
export interface GlinerConfig {
  readonly spanMode: GlinerSpanMode;
  /** GLiNER's width H (the LSTM's output and the heads' width). */
  readonly hiddenSize: number;
  /** Longest span, in words (span models). */
  readonly maxWidth: number;
  /** Words of a text the model sees; later words are dropped (or windowed). */
  readonly maxLen: number;
  /** Id of the `<<ENT>>` token that precedes every label in the prompt (null: not in the config). */
  readonly classTokenIndex: number | null;
  readonly entToken: string;
  readonly sepToken: string;
  /** The backbone's Hub id, whose tokenizer is used when the checkpoint has no tokenizer files. */
  readonly modelName: string | null;
  /** The backbone's config (from `encoder_config`). */
  readonly encoder: DebertaConfig;
}

/** Fields that must have this value (GLiNER's default or the only value this port computes). */
const REQUIRED: ReadonlyArray<readonly [string, unknown, string]> = [
  ['num_rnn_layers', 1, 'a 1-layer BiLSTM'],
  ['subtoken_pooling', 'first', 'first-piece pooling'],
  ['words_splitter_type', 'whitespace', "the 'whitespace' word splitter"],
  ['embed_ent_token', true, 'label embeddings taken at the <<ENT>> tokens'],
  ['fuse_layers', false, 'the last backbone layer only'],
  ['post_fusion_schema', '', 'no post-fusion'],
  ['represent_spans', false, 'no span representations'],
];

/** Fields whose presence with a truthy value means a model this port does not run. */
const ABSENT: ReadonlyArray<readonly [string, string]> = [
  ['labels_encoder', 'bi-encoder GLiNER'],
  ['labels_decoder', 'GLiNER with a label decoder'],
  ['relations_layer', 'relation extraction'],
  ['rnn_type', 'other recurrent layers'],
];

function num(json: Record<string, unknown>, key: string, fallback: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`gliner_config.json: "${key}" must be a positive integer, got ${show(v)}`);
  }
  return v;
}

function str(json: Record<string, unknown>, key: string, fallback: string): string {
  const v = json[key] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new ConfigError(`gliner_config.json: "${key}" must be a non-empty string, got ${show(v)}`);
  return v;
}

/**
 * Parses gliner_config.json. The backbone's config is its `encoder_config`, or else `backboneConfig` (the
 * config.json of the backbone named in `model_name`, as GLiNER fetches it when `encoder_config` is absent),
 * with GLiNER's top-level `vocab_size` (the resized embedding table: the backbone's vocabulary plus GLiNER's
 * added tokens) in place of the backbone's own.
 *
 * @throws {ConfigError} naming the field when it is malformed or asks for something this port does not run
 */
export function parseGlinerConfig(json: unknown, backboneConfig?: unknown): GlinerConfig {
  const j = checkGlinerSettings(json);
  const spanMode = (j.span_mode ?? 'markerV0') as GlinerSpanMode;
  const enc = j.encoder_config ?? backboneConfig;
  if (enc === null || typeof enc !== 'object' || Array.isArray(enc)) {
    throw new ConfigError(`gliner_config.json: "encoder_config" must be the backbone's config object, got ${show(enc)}`);
  }
  const vocab = j.vocab_size;
  const resized = typeof vocab === 'number' && Number.isInteger(vocab) && vocab > 0 ? { ...enc, vocab_size: vocab } : enc;
  let encoder: DebertaConfig;
  try {
    encoder = parseConfig(resized);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`gliner_config.json: encoder_config: ${e.message}`);
    throw e;
  }
  const modelName = j.model_name;
  return {
    spanMode,
    hiddenSize: num(j, 'hidden_size', 512),
    maxWidth: num(j, 'max_width', 12),
    maxLen: num(j, 'max_len', 384),
    classTokenIndex: j.class_token_index === undefined || j.class_token_index === null ? null : num(j, 'class_token_index', 0),
    entToken: str(j, 'ent_token', '<<ENT>>'),
    sepToken: str(j, 'sep_token', '<<SEP>>'),
    modelName: typeof modelName === 'string' && modelName !== '' ? modelName : null,
    encoder,
  };
}

/**
 * Checks GLiNER's own settings in gliner_config.json (everything but the backbone's config), so that an
 * unsupported model fails before anything else is read.
 *
 * @throws {ConfigError} naming the field
 */
export function checkGlinerSettings(json: unknown): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`gliner_config.json must be a JSON object, got ${show(json)}`);
  }
  const j = json as Record<string, unknown>;
  const spanMode = j.span_mode ?? 'markerV0';
  if (spanMode !== 'markerV0' && spanMode !== 'token_level') {
    throw new ConfigError(`gliner_config.json: "span_mode" ${show(spanMode)} is not supported (supported: "markerV0", "token_level")`);
  }
  for (const [key, want, meaning] of REQUIRED) {
    if (key in j && j[key] !== want && !(j[key] === null && key === 'post_fusion_schema')) {
      throw new ConfigError(`gliner_config.json: "${key}" ${show(j[key])} is not supported (only ${show(want)}: ${meaning})`);
    }
  }
  for (const [key, what] of ABSENT) {
    if (j[key] !== undefined && j[key] !== null && j[key] !== false && !(key === 'rnn_type' && j[key] === 'lstm')) {
      throw new ConfigError(`gliner_config.json: "${key}" is set (${what}), which is not supported`);
    }
  }
  num(j, 'hidden_size', 512);
  num(j, 'max_width', 12);
  num(j, 'max_len', 384);
  return j;
}
