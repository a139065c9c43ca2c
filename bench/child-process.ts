// Benchmarks that need a fresh process per measurement (their own V8 flags, a clean heap for memory
// figures, ONNX Runtime's spinning threads kept away from other engines) run a child entry file, which
// talks to the parent through bench/child-protocol.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { RESULT_PREFIX, TASK_ENV } from './child-protocol.js';

/** Node 20 runs relaxed SIMD only behind this flag; newer Node has it on (and may drop the flag). */
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/** The relaxed-SIMD flag when this Node accepts it, so that children can run relaxed-SIMD kernels. */
export function relaxedSimdFlags(): string[] {
  return spawnSync(process.execPath, [RELAXED_FLAG, '-e', '0']).status === 0 ? [RELAXED_FLAG] : [];
}

/** How to start a child. */
export interface ChildOptions {
  /** Node flags before the script (e.g. --expose-gc). */
  nodeFlags?: string[];
  /**
   * Run the TypeScript entry through vite-node (default), or bundle it with esbuild into one plain .mjs first,
   * so that the child holds nothing but the code under test (for memory figures).
   */
  runner?: 'vite-node' | 'bundle';
}

const bundles = new Map<string, string>();

/** Bundles a TypeScript entry (and everything it imports) into one ES module in a temp folder, once per run. */
function bundled(entry: string): string {
  let out = bundles.get(entry);
  if (out === undefined) {
    const dir = join(tmpdir(), 'deberta-bench-children');
    mkdirSync(dir, { recursive: true });
    out = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
    buildSync({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
    bundles.set(entry, out);
  }
  return out;
}

/** The vite-node CLI script, as `npm run bench` starts it. */
function viteNodeCli(): string {
  return join(createRequire(import.meta.url).resolve('vite-node/package.json'), '..', 'vite-node.mjs');
}

/**
 * Runs `entry` (a bench/*.ts file whose code calls `childTask` and `reportToParent` of child-protocol.ts) in a child
 * process and returns its result. Its stderr and its other stdout lines are passed through.
 *
 * @throws when the child fails or reports nothing
 */
export function runChild<R>(entry: string, task: unknown, options: ChildOptions = {}): R {
  const file = fileURLToPath(new URL(entry, import.meta.url));
  const script = options.runner === 'bundle' ? [bundled(file)] : [viteNodeCli(), file];
  const child = spawnSync(process.execPath, [...(options.nodeFlags ?? []), ...script], {
    env: { ...process.env, [TASK_ENV]: JSON.stringify(task) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 << 20,
  });
  let result: R | undefined;
  for (const line of child.stdout.split('\n')) {
    if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as R;
    else if (line.trim() !== '') console.log(`  [${basename(entry, '.ts')}] ${line}`);
  }
  if (child.status !== 0 || result === undefined) {
    throw new Error(`${entry} failed (exit ${child.status ?? child.signal}) on task ${JSON.stringify(task)}`);
  }
  return result;
}
