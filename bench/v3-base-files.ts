// The files the DeBERTa-v3-base comparisons run on, built once in a temp folder and reused: random weights
// saved as an HF checkpoint (config.json + model.safetensors), ONNX Runtime's float32 graph with weights
// built from that same file (bench/ort, the shared bench kit), and ONNX Runtime's dynamically quantized int8
// graph built from the float32 one (bench/ort/make_int8_graph.py, needs Debian's python3-onnx).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';
import { writeSafetensors } from './safetensors-writer.js';

/** The checkpoint folder (the peers section writes and reads the same one). */
export const V3_BASE_DIR = join(tmpdir(), 'deberta-bench-v3-base');
/** Seed of the random weights (the peers section's). */
export const V3_BASE_SEED = 7;

const KIT = fileURLToPath(new URL('./ort/', import.meta.url));

/**
 * ONNX Runtime int8 graphs make_int8_graph.py builds: `matmul` quantizes the 72 Linear weights (int8 per
 * column, uint8 dynamic activations); `gather` also the word-embedding table (uint8 per tensor), as
 * onnxruntime's `quantize_dynamic` does by default and transformers.js' q8 files are.
 */
export type Int8Variant = 'matmul' | 'gather';

/** Writes the random v3-base checkpoint unless it is there. Returns its folder. */
export function prepareCheckpoint(): string {
  mkdirSync(V3_BASE_DIR, { recursive: true });
  if (!existsSync(join(V3_BASE_DIR, 'model.safetensors'))) {
    console.log(`writing random v3-base weights to ${V3_BASE_DIR} ...`);
    writeFileSync(join(V3_BASE_DIR, 'config.json'), JSON.stringify(V3_BASE_CONFIG));
    writeSafetensors(join(V3_BASE_DIR, 'model.safetensors'), randomV2Weights(V3_BASE_CONFIG, V3_BASE_SEED));
  }
  return V3_BASE_DIR;
}

/** ONNX Runtime's float32 graph of the checkpoint (built unless there). Returns the .onnx path. */
export function prepareFp32Graph(): string {
  prepareCheckpoint();
  const graph = join(V3_BASE_DIR, 'ort', 'model.onnx');
  if (!existsSync(`${graph}.data`)) {
    const r = spawnSync(process.execPath, [join(KIT, 'make-onnx-data.mjs'), join(V3_BASE_DIR, 'model.safetensors'), join(V3_BASE_DIR, 'ort')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('make-onnx-data.mjs failed');
  }
  return graph;
}

/** ONNX Runtime's int8 graph of the checkpoint (built unless there). Returns the .onnx path. */
export function prepareInt8Graph(variant: Int8Variant): string {
  const src = prepareFp32Graph();
  const outDir = join(V3_BASE_DIR, 'ort-int8');
  const graph = join(outDir, variant === 'matmul' ? 'model_int8.onnx' : 'model_int8_gather.onnx');
  if (!existsSync(`${graph}.data`)) {
    console.log(`building ONNX Runtime's int8 graph (${variant}) in ${outDir} ...`);
    // Debian's python3 has python3-onnx; another python3 may come first on PATH.
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const args = [join(KIT, 'make_int8_graph.py'), '--src', src, '--out-dir', outDir, '--variants', variant];
    const r = spawnSync(python, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('make_int8_graph.py failed (it needs python3-onnx: apt-get install -y python3-onnx python3-numpy)');
  }
  return graph;
}
