// A DeBERTa-v3-base-shaped NLI checkpoint with random weights (DebertaV2ForSequenceClassification, 3 MNLI
// labels) and the real DeBERTa-v3 tokenizer, for zero-shot classification benchmarks. Its backbone is the
// random v3-base model of v3-base-files.ts (same generator and seed), so ONNX Runtime's graphs built from
// that checkpoint run this backbone.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, type TensorMap } from '../src/tensor/tensor.js';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';
import { writeSafetensors } from './safetensors-writer.js';
import { V3_BASE_SEED } from './v3-base-files.js';

/** The checkpoint folder. */
export const NLI_DIR = join(tmpdir(), 'deberta-bench-v3-base-nli');

/** The tiny NLI pipeline fixture: its tokenizer files are DeBERTa-v3's, as `save_pretrained` writes them. */
const FIXTURE = fileURLToPath(new URL('../test/fixtures/pipelines/deberta-v3-tiny-nli/', import.meta.url));
const TOKENIZER_FILES = ['spm.model', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json'];

const NLI_CONFIG = {
  ...V3_BASE_CONFIG,
  architectures: ['DebertaV2ForSequenceClassification'],
  id2label: { 0: 'entailment', 1: 'neutral', 2: 'contradiction' },
  label2id: { entailment: 0, neutral: 1, contradiction: 2 },
  pooler_hidden_size: V3_BASE_CONFIG.hidden_size,
  pooler_hidden_act: 'gelu',
  pooler_dropout: 0,
};

/** Seeded uniform noise in [-scale, scale). */
function noise(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

/** Writes the checkpoint folder unless it is there; returns it. */
export function prepareNliCheckpoint(): string {
  if (existsSync(join(NLI_DIR, 'model.safetensors'))) return NLI_DIR;
  console.log(`writing a random v3-base NLI checkpoint to ${NLI_DIR} ...`);
  mkdirSync(NLI_DIR, { recursive: true });
  writeFileSync(join(NLI_DIR, 'config.json'), JSON.stringify(NLI_CONFIG, null, 2));
  for (const file of TOKENIZER_FILES) copyFileSync(join(FIXTURE, file), join(NLI_DIR, file));
  const H = V3_BASE_CONFIG.hidden_size;
  const tensors: TensorMap = new Map();
  for (const [key, t] of randomV2Weights(V3_BASE_CONFIG, V3_BASE_SEED)) tensors.set(`deberta.${key}`, t);
  tensors.set('pooler.dense.weight', new Tensor(noise(H * H, 11, 1.5 / Math.sqrt(H)), [H, H]));
  tensors.set('pooler.dense.bias', new Tensor(noise(H, 12, 0.1), [H]));
  tensors.set('classifier.weight', new Tensor(noise(3 * H, 13, 1.5 / Math.sqrt(H)), [3, H]));
  tensors.set('classifier.bias', new Tensor(noise(3, 14, 0.1), [3]));
  writeSafetensors(join(NLI_DIR, 'model.safetensors'), tensors); // last: its presence means the folder is complete
  return NLI_DIR;
}
