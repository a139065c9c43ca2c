// The `deberta` command as users run it: the built dist/cli.js (npm test builds first), in a child process.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
}

function runScript(script: string, ...args: string[]) {
  requireBuild();
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const run = (...args: string[]) => runScript(CLI, ...args);

describe('deberta CLI', () => {
  it('fill-mask on the example model, as the README shows', () => {
    const r = run('fill-mask', 'Paris is the [MASK] of France.');
    expect(r.code).toBe(0);
    // transformers' top proposal for this input and model (pipeline fixture fill-mask/en-default): 0.3416 Penetration
    expect(r.stdout.split('\n')[1]).toBe('  0.3416  "Penetration"  Paris is the Penetration of France.');
  });

  it('--json prints the pipeline result', () => {
    const r = run('zero-shot-classification', '--model', NLI, '--labels', 'technology, sports, politics', '--json',
      'The new smartphone has an amazing camera and a long battery life.');
    expect(r.code).toBe(0);
    const [out] = JSON.parse(r.stdout) as Array<{ labels: string[]; scores: number[] }>;
    // pipeline fixture zero-shot-classification/default-3-labels
    expect(out.labels).toEqual(['technology', 'politics', 'sports']);
    expect(Math.abs(out.scores[0] - 0.3874958)).toBeLessThan(1e-4);
  });

  it('--help for every task exits 0', () => {
    for (const task of ['fill-mask', 'text-classification', 'zero-shot-classification', 'token-classification', 'question-answering', 'feature-extraction', 'gliner']) {
      const r = run(task, '--help');
      expect(r.code, task).toBe(0);
      expect(r.stdout, task).toContain(`deberta ${task}`);
    }
    expect(run('--help').code).toBe(0);
  });

  it.each([
    [['bogus', 'x'], 'deberta: unknown task "bogus"'],
    [['fill-mask', 'no mask here'], 'deberta: No mask_token ([MASK]) found on the input'],
    [['zero-shot-classification', '--model', NLI, 'text'], 'deberta: zero-shot-classification needs --labels'],
    [['question-answering', '--model', NLI, '--question', 'Who?', 'ctx'], 'deberta: ' + NLI + ' (DebertaForQuestionAnswering head): missing tensor "qa_outputs.weight"'],
    [['fill-mask', '--top-k', 'x', 'a [MASK]'], 'deberta: --top-k must be a positive integer'],
    [['fill-mask', '--max-tokens-per-batch', '3', 'Paris is the [MASK] of France.'], 'maxTokensPerBatch 3 is smaller than'],
    [['fill-mask', '--model', '/nonexistent/folder', 'a [MASK]'], 'deberta: /nonexistent/folder'],
    [['fill-mask', '--dtype', 'int8', 'a [MASK]'], 'deberta: --dtype must be fp32 or q8, got "int8"'],
    [['quantize', NLI], 'deberta: quantize needs a source and an output folder, got 1 argument'],
  ])('%j fails with exit code 1 and one line', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('quantize writes a q8 folder that every task loads; --dtype q8 quantizes at load with the same result', () => {
    const out = mkdtempSync(join(tmpdir(), 'deberta-q8-cli-'));
    try {
      const example = join(ROOT, 'examples', 'deberta-v3-tiny-mlm');
      const q = run('quantize', example, out);
      expect(q.code, q.stderr).toBe(0);
      expect(q.stdout).toContain('wrote model.safetensors, config.json');
      expect(existsSync(join(out, 'spm.model')) || existsSync(join(out, 'tokenizer.json'))).toBe(true);
      const stored = run('fill-mask', '--model', out, '--json', 'Paris is the [MASK] of France.');
      const atLoad = run('fill-mask', '--dtype', 'q8', '--json', 'Paris is the [MASK] of France.');
      expect(stored.code, stored.stderr).toBe(0);
      expect(atLoad.code, atLoad.stderr).toBe(0);
      expect(stored.stdout).toBe(atLoad.stdout); // bit-identical scores print identically
      expect((JSON.parse(stored.stdout) as unknown[]).flat(2).length).toBe(5);
      expect(run('quantize', '--help').stdout).toContain('deberta quantize <source> <out-folder>');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('exits 0 quietly when the reader closes the pipe early (deberta ... | head -c 10)', async () => {
    requireBuild();
    // 20,000 proposals as JSON are ~2 MB, far more than a pipe holds, so the CLI is still writing when the
    // read side closes, and its next write fails with EPIPE.
    const child = spawn(process.execPath, [CLI, 'fill-mask', '--json', '--top-k', '20000', 'Paris is the [MASK] of France.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let received = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', (chunk: Buffer) => {
      received = chunk.length;
      child.stdout.destroy();
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(1_000_000); // the pipe really closed mid-output
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });

  describe('installed from npm (no examples/ next to dist/)', () => {
    let cli: string;
    let dir: string;
    beforeAll(() => {
      requireBuild();
      // dist/cli.js is one self-contained file that looks for ../examples/deberta-v3-tiny-mlm next to itself.
      dir = mkdtempSync(join(tmpdir(), 'deberta-cli-'));
      mkdirSync(join(dir, 'dist'));
      cli = join(dir, 'dist', 'cli.js');
      copyFileSync(CLI, cli);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      ['fill-mask', 'Paris is the [MASK] of France.', 'e.g. npx deberta fill-mask --model microsoft/deberta-v3-base "Paris is the [MASK] of France."'],
      ['feature-extraction', 'Some text.', 'e.g. npx deberta feature-extraction --model microsoft/deberta-v3-base "A sentence to embed."'],
    ])('%s without --model says the example model is only in the git repository and what to pass', (task, text, suggestion) => {
      const r = runScript(cli, task, text);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'deberta: no --model given, and the example model (examples/deberta-v3-tiny-mlm) ships only in the git repository. ' +
          `Pass --model with a local folder, a URL or a Hub id, ${suggestion}\n`,
      );
    });

    it.each([
      ['zero-shot-classification', 'MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli --labels "politics, sports" "The match ended in a draw."'],
      ['ner', 'path/to/a-deberta-ner-checkpoint "Angela Merkel visited Paris."'],
      ['question-answering', 'deepset/deberta-v3-base-squad2 --question "Where is the Eiffel Tower?" "The Eiffel Tower is in Paris."'],
      ['sentiment-analysis', 'MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli --pair "A man is eating." "Someone eats."'],
    ])('%s without --model suggests a checkpoint with its head', (task, suggestion) => {
      const r = runScript(cli, task, 'Some text.');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `deberta: ${task} needs --model with a local folder, a URL or a Hub id of a checkpoint with the ${task} head, e.g. npx deberta ${task} --model ${suggestion}\n`,
      );
    });
  });
});
