import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { panelsOf } from '../src/tensor/panel-matrix.js';
import type { WasmBackend } from '../src/tensor/wasm/backend.js';
import { isRelaxedChild, localBackends, relaxedFromChild, report } from './backends.js';
import { benchGemmQ8, printGemmQ8 } from './matmul-q8.js';
import { median, timeRuns } from './timing.js';

const SHAPES: Array<[number, number, number]> = [[128, 768, 768], [128, 768, 3072], [128, 3072, 768], [512, 768, 768]];

/**
 * GFLOP/s of each backend's packed matmul on DeBERTa-base shapes (M x K x N, B a Linear weight packed
 * once), next to numpy's float32 matmul on one core; plus what packing the weight costs.
 */
export async function benchMatmul(): Promise<void> {
  const gflops = new Map<string, number>(); // `${backend} ${shape}` -> GFLOP/s
  const packing = new Map<string, string>();
  const int8 = new Map<string, number>(); // `${backend} ${shape}` -> GOP/s of gemmQ8
  for (const { name, make } of localBackends()) {
    const K = make();
    if ('ready' in K) await (K as WasmBackend).ready();
    for (const [m, k, n] of SHAPES) {
      const shape = `${m}x${k}x${n}`;
      const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
      const w = new Float32Array(n * k).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
      const bias = new Float32Array(n).fill(0.01);
      const t0 = performance.now();
      const packed = K.packB({ source: w, rows: k, cols: n, transposed: true });
      const packMs = performance.now() - t0;
      const c = new Float32Array(m * n);
      const slow = name === 'js';
      const times = timeRuns(() => K.gemm({ m, a, b: packed, out: c, bias }), slow ? 1 : 3, slow ? 3 : 9);
      const g = (2 * m * k * n) / median(times) / 1e6;
      gflops.set(`${name} ${shape}`, g);
      report(`${name} ${shape}`, g);
      if (!name.includes('×')) packing.set(`${name} ${k}x${n}`, `${packMs.toFixed(1)} ms for ${((panelsOf(packed).data.length * 4) / 2 ** 20).toFixed(2)} MiB`);
      packed.dispose();
    }
    if (name.startsWith('wasm') && !name.includes('×')) {
      for (const [shape, g] of benchGemmQ8(K)) {
        int8.set(`${name} ${shape}`, g);
        report(`int8 ${name} ${shape}`, g);
      }
    }
    if ('dispose' in K) (K as WasmBackend).dispose();
  }
  if (isRelaxedChild) return;
  for (const [key, value] of relaxedFromChild('matmul')) {
    if (key.startsWith('int8 ')) int8.set(key.slice(5), value as number);
    else gflops.set(key, value as number);
  }

  const numpy = numpyGflops();
  const names = [...new Set([...gflops.keys()].map((key) => key.slice(0, key.lastIndexOf(' '))))];
  console.log('\n## matmul GFLOP/s (C = A·B + bias, B packed once; median of runs; ×2 = two threads)');
  console.log(`| M x K x N | ${names.join(' | ')} | numpy (1 core) | best 1-thread wasm / numpy |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|---:|---:|`);
  for (const [m, k, n] of SHAPES) {
    const shape = `${m}x${k}x${n}`;
    const cells = names.map((b) => gflops.get(`${b} ${shape}`)?.toFixed(1) ?? '-');
    const best = Math.max(...names.filter((b) => b.startsWith('wasm') && !b.includes('×')).map((b) => gflops.get(`${b} ${shape}`) ?? 0));
    const np = numpy.get(shape);
    console.log(`| ${shape} | ${cells.join(' | ')} | ${np?.toFixed(1) ?? '-'} | ${np ? (best / np).toFixed(2) : '-'} |`);
  }
  console.log('\nPacking a weight [N, K] once at load (time, packed size):');
  for (const [key, value] of packing) console.log(`- ${key}: ${value}`);
  printGemmQ8(int8, gflops);
}

/** numpy on one core, for scale; empty where python3 or numpy is missing. */
function numpyGflops(): Map<string, number> {
  const out = new Map<string, number>();
  const script = fileURLToPath(new URL('./numpy-matmul.py', import.meta.url));
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const shapes = SHAPES.map((s) => s.join('x')).join(',');
  const py = spawnSync('python3', [script, shapes], { env, encoding: 'utf8' });
  if (py.status !== 0) {
    console.log('(numpy reference unavailable: python3 with numpy not found)');
    return out;
  }
  for (const line of py.stdout.split('\n')) {
    const m = /^numpy (\S+): median \S+ ms, (\S+) GFLOP\/s/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
