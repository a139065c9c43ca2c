// pipeline('gliner', source) and `deberta gliner` (src/cli.ts run through vite-node, so no build is needed).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, pipeline } from '../../src/index.js';
import { caseDir, expected } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const input = expected('span_markerV0').inputs[0];
const mode = 'flat_ner=false,multi_label=true';

describe("pipeline('gliner')", () => {
  it('returns (text | texts, labels, options) -> entities, as predictEntities', async () => {
    const gliner = await pipeline('gliner', caseDir('span_markerV0'));
    expect(gliner.task).toBe('gliner');
    const one = await gliner(input.text, input.labels, { threshold: input.threshold, flatNer: false, multiLabel: true });
    expect(one.map((e) => [e.start, e.end, e.text, e.label])).toEqual(input.predictions[mode].map((e) => [e.start, e.end, e.text, e.label]));
    const many = await gliner([input.text, ' '], input.labels.join(', '), { threshold: input.threshold, flatNer: false, multiLabel: true });
    expect(many).toEqual([one, []]);
    await expect(gliner(input.text, [])).rejects.toThrow(InputError);
    gliner.dispose();
  });

  it('checks its options before loading', async () => {
    await expect(pipeline('gliner', caseDir('span_markerV0'), { batchSize: 2 } as never)).rejects.toThrow(/unknown option "batchSize"/);
  });
});

describe('deberta gliner', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vite-node'), [join(ROOT, 'src', 'cli.ts'), 'gliner', ...args], { encoding: 'utf8', cwd: ROOT });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints the entities of each text (text and --json)', () => {
    const args = ['--model', caseDir('span_markerV0'), '--labels', input.labels.join(', '), '--threshold', String(input.threshold), '--nested', '--multi-label'];
    const r = cli(...args, input.text);
    expect(r.code).toBe(0);
    const want = input.predictions[mode];
    expect(r.stdout.trim().split('\n')).toEqual([
      `> ${input.text}`,
      ...want.map((e) => `  ${e.score.toFixed(4)}  ${e.label}  ${JSON.stringify(e.text)} [${e.start}, ${e.end})`),
    ]);
    const j = cli(...args, '--json', input.text, '  ');
    expect(j.code).toBe(0);
    const [ents, none] = JSON.parse(j.stdout) as Array<Array<{ text: string; label: string; score: number }>>;
    expect(ents.map((e) => [e.text, e.label])).toEqual(want.map((e) => [e.text, e.label]));
    expect(none).toEqual([]);
  });

  it('--help', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deberta gliner --model <gliner checkpoint> --labels <a,b,...>');
    expect(r.stdout).toContain('--threshold <x>');
  });

  it.each([
    [['x'], 'deberta: gliner needs --model'],
    [['--model', caseDir('span_markerV0'), 'x'], 'deberta: gliner needs --labels'],
    [['--model', caseDir('span_markerV0'), '--labels', 'person', '--threshold', '1', 'x'], 'deberta: --threshold must be a number in (0, 1), got "1"'],
  ])('%j fails with exit code 1 and one line', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });
});
