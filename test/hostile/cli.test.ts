// The `deberta` command fed hostile arguments: every flag of every task with values it cannot take, missing
// values, unknown flags and tasks. Each run ends by itself within its time limit with exit code 0, or with
// exit code 1 and one line on stderr (`deberta: ...`), never a stack trace or a signal.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');
// Hub ids must never leave the machine: every run that could name one points the Hub at a closed local port.
const OFFLINE = ['--hub-url', 'http://127.0.0.1:9'];

/** A valid command per task, to which one hostile flag is added. */
const VALID: Record<string, string[]> = {
  'fill-mask': ['fill-mask', 'Paris is the [MASK] of France.'],
  'text-classification': ['text-classification', '--model', NLI, 'A man plays guitar.'],
  'zero-shot-classification': ['zero-shot-classification', '--model', NLI, '--labels', 'music, sport', 'A man plays guitar.'],
  'token-classification': ['token-classification', '--model', NLI, 'Angela Merkel visited Paris.'],
  'question-answering': ['question-answering', '--model', NLI, '--question', 'Who?', 'Angela Merkel visited Paris.'],
  'feature-extraction': ['feature-extraction', 'A sentence.'],
};

const FLAGS: Record<string, string[]> = {
  'fill-mask': ['--top-k', '--targets', '--decoder', '--batch-size', '--max-tokens-per-batch', '--semantics', '--model', '--revision'],
  'text-classification': ['--top-k', '--pair', '--function', '--batch-size'],
  'zero-shot-classification': ['--labels', '--template', '--batch-size'],
  'token-classification': ['--aggregation', '--ignore-labels'],
  'question-answering': ['--question', '--top-k', '--max-answer-len'],
  'feature-extraction': ['--pooling', '--batch-size', '--hub-url'],
};

const VALUES = ['', 'abc', '-1', '0', '99999999999', '{} {}'];

function cases(): string[][] {
  const out: string[][] = [
    [],
    ['bogus-task', 'x'],
    ['fill-mask'],
    ['fill-mask', '--no-such-flag', 'x [MASK]'],
    ['fill-mask', '--top-k'],
    ['fill-mask', '--json', '--top-k', '2', 'a [MASK]', '--model'],
    ['fill-mask', '--model', 'owner/name', 'a [MASK]'],
    ['fill-mask', '--model', '/nonexistent', 'a [MASK]'],
    ['fill-mask', '--model', '/dev/null', 'a [MASK]'],
    ['fill-mask', '--model', FIXTURES, 'a [MASK]'],
    ['fill-mask', '\ud800 [MASK]'],
    ['fill-mask', 'word '.repeat(2000) + '[MASK]'],
    ['question-answering', '--model', NLI, 'context without a question'],
    ['zero-shot-classification', '--model', NLI, '--labels', ',,,', 'text'],
  ];
  for (const [task, flags] of Object.entries(FLAGS)) {
    for (const flag of flags) for (const value of VALUES) out.push([...VALID[task], flag, value]);
  }
  return out;
}

interface Run {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function run(args: string[], ms = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    // Bare `deberta` must stay bare (it prints usage); everything else gets the offline Hub.
    const child = spawn(process.execPath, [CLI, ...args, ...(args.length > 0 ? OFFLINE : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code, signal, stdout, stderr, timedOut });
    });
  });
}

/** What is wrong with a run, or null. */
function verdict(r: Run): string | null {
  if (r.timedOut) return 'did not finish in time';
  if (r.signal !== null) return `killed by ${r.signal}`;
  if (r.code === 0) return null;
  if (r.code !== 1) return `exit code ${r.code}`;
  const lines = r.stderr.trimEnd().split('\n');
  if (r.args.length === 0) return r.stdout.startsWith('Usage: deberta') ? null : 'no usage text'; // bare `deberta` prints usage, exit 1
  if (!r.stderr.startsWith('deberta: ')) return `stderr does not start with "deberta: ": ${r.stderr.slice(0, 200)}`;
  if (lines.length !== 1) return `stderr has ${lines.length} lines: ${r.stderr.slice(0, 300)}`;
  if (/\n\s+at |TypeError|RangeError|ReferenceError/.test(r.stderr)) return `internal error: ${r.stderr.slice(0, 200)}`;
  return null;
}

it('every hostile command line ends with exit 0, or exit 1 and one "deberta: ..." line', async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const all = cases();
  const problems: string[] = [];
  // Two at a time: the machine has two cores, and each run is a Node process loading a tiny model.
  for (let i = 0; i < all.length; i += 2) {
    const runs = await Promise.all(all.slice(i, i + 2).map((args) => run(args)));
    for (const r of runs) {
      const v = verdict(r);
      if (v !== null) problems.push(`deberta ${JSON.stringify(r.args).slice(0, 160)}: ${v}`);
    }
  }
  expect(problems).toEqual([]);
  expect(all.length).toBeGreaterThan(100);
}, 600_000);
