import { DebertaModel } from '../src/model/deberta-model.js';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';
import { median, timeRunsAsync } from './timing.js';

/** FLOPs of the matrix products HF computes per forward (shared/bench README's F). */
function flops(batch: number, seq: number): number {
  const { num_hidden_layers: L, hidden_size: H, intermediate_size: I, position_buckets: P } = V3_BASE_CONFIG;
  return L * batch * (2 * seq * (4 * H * H + 2 * H * I) + 4 * seq * seq * H + 4 * seq * 2 * P * H);
}

/** Time of a DeBERTa-v3-base-shaped forward with random weights. */
export async function benchForward(shapes: Array<[number, number]> = [[1, 128]]): Promise<void> {
  console.log('\n## DeBERTa-v3-base-shaped forward (random weights), 1 thread');
  const t0 = performance.now();
  const model = DebertaModel.fromWeights(V3_BASE_CONFIG, randomV2Weights(V3_BASE_CONFIG));
  console.log(`build + pack weights: ${(performance.now() - t0).toFixed(0)} ms`);
  for (const [batch, seq] of shapes) {
    const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, i) => (i * 31 + b * 7 + 5) % 128000));
    const times = await timeRunsAsync(() => model.forward({ inputIds: ids }), 2, 5);
    const ms = median(times);
    console.log(`b${batch} x s${seq}: median ${ms.toFixed(1)} ms of ${times.length} runs (${times.map((t) => t.toFixed(0)).join(', ')}), ${(flops(batch, seq) / ms / 1e6).toFixed(1)} GFLOP/s effective`);
  }
}
