import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Root of the copied reference fixtures. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export function modelDir(name: string): string {
  return join(FIXTURES, 'models', name);
}

export function readJsonFile<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export interface FixtureInputs {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  multiple_choice?: { input_ids: number[][][]; attention_mask: number[][][]; token_type_ids: number[][][] };
}

export interface FixtureExpected {
  last_hidden_state: number[][][];
  hidden_states: number[][][][];
  /** Absent when the case has no relative attention. */
  relative_pos?: number[][];
  max_abs_diff_float32_vs_float64: Record<string, number>;
  heads?: Record<string, { dir: string; logits?: unknown; start_logits?: number[][]; end_logits?: number[][] }>;
  fp16_weights?: { last_hidden_state: number[][][] };
}

/** The v1 and v2/v3 cases of the model fixtures. */
export const V2_CASES = [
  'v2_c2p_only_no_buckets',
  'v2_embed_proj',
  'v2_no_relative_attention_conv',
  'v2_p2c_only_gelu_new',
  'v2_share_att_key_false',
  'v2_xlarge_like',
  'v3_base_like',
];
export const V1_CASES = ['v1_base', 'v1_c2p_only_relu', 'v1_no_relative_attention', 'v1_p2c_only_gelu_new', 'v1_pbi_token_types'];

/** Largest |a - b| over a flat Float32Array and a nested array of the same size. */
export function maxAbsDiff(actual: Float32Array, expected: unknown): number {
  const flat = (expected as unknown[]).flat(Infinity) as number[];
  if (flat.length !== actual.length) throw new Error(`size mismatch: got ${actual.length}, expected ${flat.length}`);
  let m = 0;
  for (let i = 0; i < flat.length; i++) {
    const d = Math.abs(actual[i] - flat[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
