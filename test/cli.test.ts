// The `deberta` command as users run it: the built dist/cli.js (npm test builds first), in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

function run(...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

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
    for (const task of ['fill-mask', 'text-classification', 'zero-shot-classification', 'token-classification', 'question-answering', 'feature-extraction']) {
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
    [['fill-mask', '--model', '/nonexistent/folder', 'a [MASK]'], 'deberta: /nonexistent/folder'],
  ])('%j fails with exit code 1 and one line', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });
});
