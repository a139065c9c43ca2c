// The kernel backends a benchmark compares, including relaxed-SIMD wasm, which Node 20 only runs behind a
// V8 flag: when this process lacks it, that part of the benchmark reruns in a child process that has it.
import { spawnSync } from 'node:child_process';
import type { Backend } from '../src/tensor/backend.js';
import { jsBackend } from '../src/tensor/js/backend.js';
import { createWasmBackend, relaxedSimdSupported, threadsSupported, type WasmBackendOptions } from '../src/tensor/wasm/backend.js';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const CHILD_ENV = 'DEBERTA_BENCH_RELAXED_CHILD';

/** A backend under test by name, built lazily (building one compiles its modules). */
export interface BenchBackend {
  name: string;
  make(options?: Pick<WasmBackendOptions, 'timer'>): Backend;
  /** Threads it runs on. */
  threads: number;
}

/** True in the child process that measures only the relaxed-SIMD backend. */
export const isRelaxedChild = process.env[CHILD_ENV] === '1';

/**
 * Backends measured in this process: js, wasm-simd and, when the engine has it, wasm-relaxed-simd (only
 * that one in the relaxed child).
 */
export function localBackends(): BenchBackend[] {
  const relaxed: BenchBackend[] = [1, ...(threadsSupported() ? [2] : [])].map((threads) => ({
    name: threads === 1 ? 'wasm-relaxed-simd' : `wasm-relaxed-simd ×${threads}`,
    make: (o) => createWasmBackend({ ...o, relaxedSimd: true, numThreads: threads }),
    threads,
  }));
  if (isRelaxedChild) return relaxed;
  return [
    { name: 'js', make: () => jsBackend, threads: 1 },
    ...[1, ...(threadsSupported() ? [2] : [])].map((threads) => ({
      name: threads === 1 ? 'wasm-simd' : `wasm-simd ×${threads}`,
      make: (o?: Pick<WasmBackendOptions, 'timer'>) => createWasmBackend({ ...o, relaxedSimd: false, numThreads: threads }),
      threads,
    })),
    ...(relaxedSimdSupported() ? relaxed : []),
  ];
}

/** Emits a result line the parent process collects from the relaxed child. */
export function report(key: string, value: unknown): void {
  if (isRelaxedChild) console.log(`@@${JSON.stringify([key, value])}`);
}

/**
 * Runs this benchmark section again in a child with relaxed SIMD enabled when this process cannot run it;
 * returns the child's reported results (empty when not needed or not possible).
 */
export function relaxedFromChild(section: string): Map<string, unknown> {
  const results = new Map<string, unknown>();
  if (isRelaxedChild || relaxedSimdSupported()) return results;
  const runner = process.argv[1]; // the vite-node CLI
  const entry = process.argv.find((a) => a.endsWith('bench/index.ts')) ?? 'bench/index.ts';
  const child = spawnSync(process.execPath, [RELAXED_FLAG, runner, entry, '--', section], {
    env: { ...process.env, [CHILD_ENV]: '1' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (child.status !== 0) {
    console.log(`(relaxed-SIMD run unavailable: ${child.stderr.trim().split('\n').pop() ?? 'child failed'})`);
    return results;
  }
  for (const line of child.stdout.split('\n')) {
    if (!line.startsWith('@@')) continue;
    const [key, value] = JSON.parse(line.slice(2)) as [string, unknown];
    results.set(key, value);
  }
  return results;
}
