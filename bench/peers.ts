// Our forward against ONNX Runtime native (onnxruntime-node) and ONNX Runtime's WebAssembly build
// (onnxruntime-web, what transformers.js runs in browsers), on identical DeBERTa-v3-base-shaped random weights.
// npm run bench -- peers [--shapes 1x128,8x128,1x512] [--threads 1,2] [--runs 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebertaModel } from '../src/model/deberta-model.js';
import { importPeer, installPeers } from './peer-packages.js';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';
import { writeSafetensors } from './safetensors-writer.js';
import { median } from './timing.js';
import type { OrtModule } from './ort-session.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIR = join(tmpdir(), 'deberta-bench-v3-base');

/** FLOPs of the matrix products HF computes per forward (shared bench README's F). */
function flops(batch: number, seq: number): number {
  const { num_hidden_layers: L, hidden_size: H, intermediate_size: I, position_buckets: P } = V3_BASE_CONFIG;
  return L * batch * (2 * seq * (4 * H * H + 2 * H * I) + 4 * seq * seq * H + 4 * seq * 2 * P * H);
}

/** Random weights saved once as an HF checkpoint, and ONNX Runtime's weight file built from the same file. */
function prepare(): void {
  mkdirSync(DIR, { recursive: true });
  if (!existsSync(join(DIR, 'model.safetensors'))) {
    console.log(`writing random v3-base weights to ${DIR} ...`);
    writeFileSync(join(DIR, 'config.json'), JSON.stringify(V3_BASE_CONFIG));
    writeSafetensors(join(DIR, 'model.safetensors'), randomV2Weights(V3_BASE_CONFIG, 7));
  }
  if (!existsSync(join(DIR, 'ort', 'model.onnx.data'))) {
    const r = spawnSync(process.execPath, [join(HERE, 'ort', 'make-onnx-data.mjs'), join(DIR, 'model.safetensors'), join(DIR, 'ort')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('make-onnx-data.mjs failed');
  }
}

interface Engine {
  name: string;
  run(ids: number[][]): Promise<Float32Array>;
  close?(): Promise<void>;
}


function feeds(ort: OrtModule, ids: number[][]) {
  const b = ids.length;
  const s = ids[0].length;
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [b, s]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(b * s).fill(1n), [b, s]),
  };
}

async function ortNode(threads: number): Promise<Engine | null> {
  let ort: OrtModule;
  try {
    ort = await importPeer<OrtModule>('onnxruntime-node');
  } catch (e) {
    console.log(`(onnxruntime-node unavailable: ${(e as Error).message})`);
    return null;
  }
  const session = await ort.InferenceSession.create(join(DIR, 'ort', 'model.onnx'), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  return {
    name: `ort-node`,
    async run(ids) {
      const out = await session.run(feeds(ort, ids));
      return out.last_hidden_state.data as Float32Array;
    },
    close: () => session.release(),
  };
}

async function ortWeb(threads: number): Promise<Engine | null> {
  let ort: OrtModule;
  try {
    ort = await importPeer<OrtModule>('onnxruntime-web');
  } catch (e) {
    console.log(`(onnxruntime-web unavailable: ${(e as Error).message})`);
    return null;
  }
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(DIR, 'ort', 'model.onnx'))), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    externalData: [{ path: 'model.onnx.data', data: new Uint8Array(readFileSync(join(DIR, 'ort', 'model.onnx.data'))) }],
  });
  return {
    name: `ort-web (wasm)`,
    async run(ids) {
      const out = await session.run(feeds(ort, ids));
      return out.last_hidden_state.data as Float32Array;
    },
    close: () => session.release(),
  };
}

async function ours(threads: number): Promise<Engine> {
  const model = await DebertaModel.fromPretrained(DIR, { numThreads: threads });
  await (model.backend as { ready?: () => Promise<void> }).ready?.();
  return {
    name: 'deberta (ours)',
    async run(ids) {
      return (await model.forward({ inputIds: ids })).lastHiddenState.data;
    },
    close: async () => model.dispose(),
  };
}

function randomIds(batch: number, seq: number): number[][] {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648), 5 + (s % 127990));
  return Array.from({ length: batch }, () => [1, ...Array.from({ length: seq - 2 }, next), 2]);
}

/** Runs every engine on every shape and thread count; prints medians, GFLOP/s and ratios ours/peer. */
export async function benchPeers(argv: string[] = []): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const shapes = arg('shapes', '1x128,8x128,1x512').split(',').map((x) => x.split('x').map(Number) as [number, number]);
  const threadCounts = arg('threads', '1,2').split(',').map(Number);
  const runs = Number(arg('runs', '5'));
  installPeers();
  prepare();
  console.log('\n## DeBERTa-v3-base forward vs ONNX Runtime (same weights, attention mask all ones)');
  console.log('| threads | shape | engine | median ms | GFLOP/s | ours / engine |');
  console.log('|---:|---|---|---:|---:|---:|');
  for (const threads of threadCounts) {
    const engines = [await ours(threads), await ortNode(threads), await ortWeb(threads)].filter((e): e is Engine => e !== null);
    for (const [batch, seq] of shapes) {
      const ids = randomIds(batch, seq);
      const times: Record<string, number> = {};
      const outputs: Record<string, Float32Array> = {};
      for (const e of engines) {
        outputs[e.name] = await e.run(ids); // warm-up (and JIT tiering)
        await e.run(ids);
        const ts: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          await e.run(ids);
          ts.push(performance.now() - t0);
        }
        times[e.name] = median(ts);
      }
      for (const e of engines) {
        const ms = times[e.name];
        const ratio = e.name === engines[0].name ? '' : (times[engines[0].name] / ms).toFixed(2);
        console.log(`| ${threads} | b${batch}×s${seq} | ${e.name} | ${ms.toFixed(1)} | ${(flops(batch, seq) / ms / 1e6).toFixed(1)} | ${ratio} |`);
      }
      const ref = outputs['ort-node'];
      if (ref) {
        let d = 0;
        const mine = outputs[engines[0].name];
        for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - mine[i]));
        console.log(`|  |  | max abs diff ours vs ort-node: ${d.toExponential(1)} |  |  |  |`);
      }
    }
    for (const e of engines) await e.close?.();
  }
}
