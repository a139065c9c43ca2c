import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernels } from '../src/tensor/kernels.js';
import { median, timeRuns } from './timing.js';

/** GFLOP/s of the active backend's packed matmul on DeBERTa-base shapes (M x K x N). */
export function benchMatmul(): void {
  const K = kernels();
  console.log(`\n## matmul (${K.name} backend), 1 thread`);
  for (const [m, k, n] of [[128, 768, 768], [128, 768, 3072], [128, 3072, 768]]) {
    const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
    const w = new Float32Array(n * k).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
    const packed = K.packB(w, k, n, true);
    const c = new Float32Array(m * n);
    const times = timeRuns(() => K.gemm(m, a, 0, k, packed, c, 0, n), 3, 7);
    const ms = median(times);
    console.log(`${m}x${k}x${n}: median ${ms.toFixed(2)} ms, ${((2 * m * k * n) / ms / 1e6).toFixed(1)} GFLOP/s`);
  }
  // numpy on one core, for scale; skipped quietly where python3 or numpy is missing.
  const script = fileURLToPath(new URL('./numpy-matmul.py', import.meta.url));
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const py = spawnSync('python3', [script], { env, encoding: 'utf8' });
  if (py.status === 0) process.stdout.write(py.stdout);
  else console.log('(numpy reference unavailable: python3 with numpy not found)');
}
