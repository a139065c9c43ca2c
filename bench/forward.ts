import { DebertaModel } from '../src/model/deberta-model.js';
import type { Backend } from '../src/tensor/backend.js';
import type { WasmBackend } from '../src/tensor/wasm/backend.js';
import { isRelaxedChild, localBackends, relaxedFromChild, report } from './backends.js';
import { randomV2Weights, V3_BASE_CONFIG } from './random-model.js';
import { median, timeRunsAsync } from './timing.js';

/** FLOPs of the matrix products HF computes per forward (shared/bench README's F). */
function flops(batch: number, seq: number): number {
  const { num_hidden_layers: L, hidden_size: H, intermediate_size: I, position_buckets: P } = V3_BASE_CONFIG;
  return L * batch * (2 * seq * (4 * H * H + 2 * H * I) + 4 * seq * seq * H + 4 * seq * 2 * P * H);
}

/** What one backend's run found; reported by the relaxed child as JSON. */
interface BackendResult {
  buildMs: number;
  packedMiB: number | null;
  firstMs: number;
  medians: Record<string, { ms: number; runs: number[] }>;
  share: Array<[string, number]>;
}

/**
 * Sums wall time per kernel call of the backend (attention is one kernel: it runs wholly in wasm). The model
 * is built on the wrapped backend; the clock runs only while `on`, so the medians see one extra call per op.
 */
class KernelClock {
  readonly totals = new Map<string, number>();
  on = false;

  wrap(inner: Backend): Backend {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(inner)) {
      if (typeof fn !== 'function') { out[name] = fn; continue; }
      const op = fn as (args: unknown) => unknown; // every op takes one argument object
      out[name] = (args: unknown) => {
        if (!this.on) return op(args);
        const t0 = performance.now();
        const r = op(args);
        const ms = performance.now() - t0;
        this.add(name === 'gemm' ? 'matmul (Linear layers)' : name === 'activate' ? 'gelu' : name === 'attention' ? 'attention (QKᵀ, c2p/p2c, softmax, ·V)' : name, ms);
        return r;
      };
    }
    return out as unknown as Backend;
  }

  private add(key: string, ms: number): void {
    this.totals.set(key, (this.totals.get(key) ?? 0) + ms);
  }
}

const ids = (batch: number, seq: number) =>
  Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, i) => (i * 31 + b * 7 + 5) % 128000));

/** Time of a DeBERTa-v3-base-shaped forward with random weights, per backend. */
export async function benchForward(): Promise<void> {
  const weights = randomV2Weights(V3_BASE_CONFIG);
  const results = new Map<string, BackendResult>();
  for (const { name, make } of localBackends()) {
    const clock = new KernelClock();
    const backend = make();
    if ('ready' in backend) await (backend as WasmBackend).ready();
    const before = 'memoryStats' in backend ? (backend as WasmBackend).memoryStats().allocatedBytes : 0;
    const t0 = performance.now();
    const model = DebertaModel.fromWeights(V3_BASE_CONFIG, weights, { backend: clock.wrap(backend) });
    const buildMs = performance.now() - t0;
    const packedMiB = 'memoryStats' in backend ? ((backend as WasmBackend).memoryStats().allocatedBytes - before) / 2 ** 20 : null;
    const t1 = performance.now();
    await model.forward({ inputIds: ids(1, 128) });
    const firstMs = performance.now() - t1;
    const slow = name === 'js';
    const shapes: Array<[number, number]> = slow ? [[1, 128]] : [[1, 128], [8, 128], [1, 512]];
    const medians: BackendResult['medians'] = {};
    for (const [batch, seq] of shapes) {
      const runs = await timeRunsAsync(() => model.forward({ inputIds: ids(batch, seq) }), slow ? 0 : 1, slow ? 3 : batch * seq > 128 ? 3 : 7);
      medians[`b${batch} x s${seq}`] = { ms: median(runs), runs };
    }
    // Kernel shares on b1 x s128, timed by the wrapper (adds a little overhead per call).
    clock.on = true;
    const runs = slow ? 1 : 3;
    const t2 = performance.now();
    for (let i = 0; i < runs; i++) await model.forward({ inputIds: ids(1, 128) });
    const total = (performance.now() - t2) / runs;
    const share: Array<[string, number]> = [...clock.totals].map(([k, ms]) => [k, ms / runs]);
    const top = share.reduce((s, [, ms]) => s + ms, 0);
    share.push(['other (outside kernels)', total - top]);
    share.push(['forward', total]);
    const result: BackendResult = { buildMs, packedMiB, firstMs, medians, share };
    results.set(name, result);
    report(name, result);
    if ('dispose' in backend) (backend as WasmBackend).dispose();
  }
  if (isRelaxedChild) return;
  for (const [name, value] of relaxedFromChild('forward')) results.set(name, value as BackendResult);

  console.log('\n## DeBERTa-v3-base-shaped forward (random weights), median ms (effective GFLOP/s); ×2 = two threads');
  const names = [...results.keys()];
  const shapes = [...new Set(names.flatMap((n) => Object.keys(results.get(n)!.medians)))];
  console.log(`| shape | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  for (const shape of shapes) {
    const [b, s] = shape.match(/\d+/g)!.map(Number);
    const cells = names.map((n) => {
      const m = results.get(n)!.medians[shape];
      return m ? `${m.ms.toFixed(0)} (${(flops(b, s) / m.ms / 1e6).toFixed(1)})` : '-';
    });
    console.log(`| ${shape} | ${cells.join(' | ')} |`);
  }
  console.log(`| first b1 x s128 after load | ${names.map((n) => results.get(n)!.firstMs.toFixed(0)).join(' | ')} |`);
  console.log(`| build + pack weights | ${names.map((n) => results.get(n)!.buildMs.toFixed(0)).join(' | ')} |`);
  console.log(`| packed weights in wasm memory (MiB) | ${names.map((n) => results.get(n)!.packedMiB?.toFixed(0) ?? '-').join(' | ')} |`);

  console.log('\n### Time per kernel, b1 x s128 (ms per forward, share of the forward)');
  const kernelsSeen = [...new Set(names.flatMap((n) => results.get(n)!.share.map(([k]) => k)))];
  console.log(`| kernel | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  for (const k of kernelsSeen) {
    const cells = names.map((n) => {
      const r = results.get(n)!;
      const ms = r.share.find(([key]) => key === k)?.[1];
      const total = r.share.find(([key]) => key === 'forward')![1];
      return ms === undefined ? '-' : `${ms.toFixed(1)} (${((100 * ms) / total).toFixed(0)}%)`;
    });
    console.log(`| ${k} | ${cells.join(' | ')} |`);
  }
}
