// Loading benchmark: `npx vite-node bench/load.ts`. Writes a 400+ MB random F32 checkpoint to a temp folder,
// then times, each in a fresh child process so that peak RSS is per measurement:
//   plain reads of model.safetensors (fs.readFile, and one buffer filled in chunks), loadCheckpoint on the folder,
//   and loadCheckpoint over HTTP from a local server.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TENSORS = 105;
const ROWS = 1024;
const COLS = 1024;
const MB = 1024 * 1024;

interface Measurement {
  ms: number;
  baselineRssMb: number;
  peakRssMb: number;
  tensors: number;
}

/** Runs the load benchmark and prints load time vs a plain read, with peak RSS. */
export async function benchLoad(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deberta-bench-load-'));
  try {
    const file = writeCheckpoint(dir);
    const size = statSync(file).size;
    console.log(`load: ${(size / MB).toFixed(1)} MB model.safetensors, ${TENSORS} F32 tensors [${ROWS}, ${COLS}] in ${dir}`);
    const server = await serveFolder(dir);
    try {
      const rows: Array<[string, string, string]> = [
        ['plain fs.readFile', 'plain', file],
        ['plain read, 16 MB chunks', 'chunks', file],
        ['loadCheckpoint(folder)', 'folder', dir],
        ['loadCheckpoint(http URL)', 'http', server.url],
      ];
      for (const [label, mode, target] of rows) {
        // Best of three: the first run of each may still pay for page-cache or JIT warm-up.
        const runs = [await child(mode, target), await child(mode, target), await child(mode, target)];
        const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
        const peak = Math.max(...runs.map((r) => r.peakRssMb));
        const over = peak - best.baselineRssMb;
        console.log(
          `  ${label.padEnd(26)} ${best.ms.toFixed(0).padStart(6)} ms  ${(size / MB / (best.ms / 1000)).toFixed(0).padStart(5)} MB/s  ` +
            `peak RSS ${peak.toFixed(0)} MB (baseline ${best.baselineRssMb.toFixed(0)} MB, +${over.toFixed(0)} MB = ${(over / (size / MB)).toFixed(2)} N)`,
        );
      }
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes config.json and a random model.safetensors tensor by tensor, so the generator itself stays small. */
function writeCheckpoint(dir: string): string {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const bytes = ROWS * COLS * 4;
  for (let i = 0; i < TENSORS; i++) {
    header[`encoder.layer.${i}.weight`] = { dtype: 'F32', shape: [ROWS, COLS], data_offsets: [i * bytes, (i + 1) * bytes] };
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const head = Buffer.from(text);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(head.length));
  const path = join(dir, 'model.safetensors');
  const fd = openSync(path, 'w');
  writeSync(fd, prefix);
  writeSync(fd, head);
  const values = new Float32Array(ROWS * COLS);
  let s = 0x9e3779b9;
  for (let i = 0; i < TENSORS; i++) {
    for (let j = 0; j < values.length; j++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      values[j] = (s >>> 0) / 2 ** 31 - 1;
    }
    writeSync(fd, new Uint8Array(values.buffer));
  }
  closeSync(fd);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'deberta-v2' }));
  return path;
}

/** Serves the folder from disk with content-length, like the Hub's CDN; the parent never holds the file. */
async function serveFolder(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    const path = join(dir, name);
    let size: number;
    try {
      if (!/^[\w.-]+$/.test(name)) throw new Error('bad name');
      size = statSync(path).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    createReadStream(path, { highWaterMark: 4 * MB }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function child(mode: string, target: string): Promise<Measurement> {
  const require = createRequire(import.meta.url);
  const viteNode = join(dirname(require.resolve('vite-node/package.json')), 'vite-node.mjs');
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [viteNode, self, '--', '--child', mode, target], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`bench child ${mode} failed (exit ${code}): ${out}`));
      else resolve(JSON.parse(line.slice(7)) as Measurement);
    });
  });
}

async function runChild(mode: string, target: string): Promise<void> {
  const { loadCheckpoint } = await import('../src/io/checkpoint.js');
  const baselineRssMb = peakRss();
  const start = performance.now();
  let tensors = 0;
  if (mode === 'plain') {
    const bytes = await readFile(target);
    tensors = bytes.length > 0 ? 1 : 0;
  } else if (mode === 'chunks') {
    // What the folder source does, minus parsing: the fairest baseline for the loader's own cost.
    const fh = await open(target, 'r');
    const bytes = new Uint8Array((await fh.stat()).size);
    for (let at = 0; at < bytes.length;) at += (await fh.read(bytes, at, Math.min(16 * MB, bytes.length - at), at)).bytesRead;
    await fh.close();
    tensors = bytes.length > 0 ? 1 : 0;
  } else {
    tensors = (await loadCheckpoint(target)).tensors.size;
  }
  const ms = performance.now() - start;
  const peakRssMb = peakRss();
  console.log(`RESULT ${JSON.stringify({ ms, baselineRssMb, peakRssMb, tensors } satisfies Measurement)}`);
}

/**
 * Peak RSS of this process in MB. Linux's VmHWM belongs to this address space only; getrusage's maxRSS also
 * carries the parent's peak across fork + exec, which made every child look as large as its parent.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Whether this file is the program's entry rather than imported by bench/index.ts. vite-node hides the entry
 * file from argv, so an importer is recognised by its frame in the (async) stack of this module's evaluation.
 */
function isEntry(): boolean {
  const self = fileURLToPath(import.meta.url);
  if ((process.argv[1] ?? '') === self) return true;
  if (!/vite-node(\.mjs)?$/.test(process.argv[1] ?? '')) return false;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return !stack
    .split('\n')
    .slice(1)
    .some((l) => /\.[cm]?[jt]s:\d+:\d+\)?$/.test(l) && !l.includes('node_modules') && !l.includes('node:') && !l.includes(self));
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  await runChild(process.argv[childAt + 1], process.argv[childAt + 2]);
} else if (isEntry()) {
  await benchLoad();
}
