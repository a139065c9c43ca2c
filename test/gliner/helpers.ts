import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSource } from '../../src/index.js';
import { FIXTURES, readJsonFile } from '../helpers/fixtures.js';

export const CASES = ['span_markerV0', 'token_level', 'span_projection'] as const;
export type Case = (typeof CASES)[number];

export function caseDir(c: Case): string {
  return join(FIXTURES, 'gliner', c);
}

/** The real DeBERTa-v3 spm.model (byte-identical to the one GLiNER saved in every case folder). */
export const SPM = join(FIXTURES, 'tokenizers', 'deberta-v3', 'spm.model');

function readOrNull(path: string): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return null;
  }
}

/**
 * A case folder as GLiNER saved it. Only span_markerV0 has its own spm.model copy; the others read the shared
 * one. `without` hides files (e.g. model.safetensors, to load pytorch_model.bin).
 */
export function caseSource(c: Case, without: readonly string[] = []): FileSource {
  const dir = caseDir(c);
  return {
    name: dir,
    read: async (file) => {
      if (without.includes(file)) return null;
      return readOrNull(join(dir, file)) ?? (file === 'spm.model' ? readOrNull(SPM) : null);
    },
  };
}

export interface ExpectedEntity {
  start: number;
  end: number;
  text: string;
  label: string;
  score: number;
}

export interface ExpectedInput {
  id: string;
  text: string;
  labels: string[];
  entity_types: string[];
  threshold: number;
  words: Array<{ text: string; start_utf16: number; end_utf16: number }>;
  num_words: number;
  num_words_used: number;
  truncated: boolean;
  input_ids: number[][];
  words_mask: number[][];
  text_lengths: number[][];
  span_idx?: number[][][];
  span_mask?: number[][];
  logits: unknown;
  logits_shape: number[];
  backbone_last_hidden_state: unknown;
  words_embedding: unknown;
  predictions: Record<string, ExpectedEntity[]>;
}

export interface Expected {
  config: { max_width: number; max_len: number; span_mode: string };
  modes: string[];
  inputs: ExpectedInput[];
  batched: { texts: string[]; labels: string[][]; threshold: number; outputs: Record<string, ExpectedEntity[][]> };
}

export function expected(c: Case): Expected {
  return readJsonFile<Expected>(join(caseDir(c), 'expected.json'));
}

/** Nested JSON arrays flattened. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** "flat_ner=true,multi_label=false" as options. */
export function modeOptions(mode: string): { flatNer: boolean; multiLabel: boolean } {
  const m = /^flat_ner=(true|false),multi_label=(true|false)$/.exec(mode);
  if (m === null) throw new Error(`unknown mode ${mode}`);
  return { flatNer: m[1] === 'true', multiLabel: m[2] === 'true' };
}
