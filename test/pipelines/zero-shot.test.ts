// Zero-shot classification's checks, each as transformers 4.40.2's ZeroShotClassificationPipeline decides it:
// the entailment class from label2id (first label starting with "entail", else -1, i.e. the last class), the
// hypothesis built with Python's str.format, and at least one label and one sequence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, InputError, pipeline, type FileSource, type ZeroShotClassificationPipeline } from '../../src/index.js';
import { formatTemplate } from '../../src/pipelines/zero-shot-classification.js';
import { FIXTURES } from '../helpers/fixtures.js';

const NLI = join(FIXTURES, 'pipelines', 'deberta-v3-tiny-nli');

/** The NLI fixture seen through a FileSource, with config.json edited. */
function withConfig(edit: (c: Record<string, unknown>) => void): FileSource {
  return {
    name: `${NLI} (edited)`,
    async read(file) {
      try {
        const bytes = new Uint8Array(readFileSync(join(NLI, file)));
        if (file !== 'config.json') return bytes;
        const c = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
        edit(c);
        return new TextEncoder().encode(JSON.stringify(c));
      } catch {
        return null;
      }
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('zero-shot: the entailment class', () => {
  it('without an "entail..." label, warns at load and uses the last class, as transformers (entailment_id -1)', async () => {
    const labels = { 0: 'positive', 1: 'neutral', 2: 'negative' };
    const source = withConfig((c) => {
      c.id2label = labels;
      c.label2id = { positive: 0, neutral: 1, negative: 2 };
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const zs = await pipeline('zero-shot-classification', source);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain("failed to determine the 'entailment' label id");
    expect(warn.mock.calls[0][0]).toContain('labels: positive, neutral, negative');
    expect(warn.mock.calls[0][0]).toContain('using the last class, 2');
    // The same weights as text-classification give the raw logits; transformers' multi-label score is the
    // softmax over [contradiction = class 0, entailment = class 2].
    const clf = await pipeline('text-classification', source);
    const text = 'The match ended in a draw.';
    const raw = (await clf({ text, textPair: 'This example is sports.' }, { topK: null, functionToApply: 'none' })) as Array<{ label: string; score: number }>;
    const logit = (l: string) => raw.find((x) => x.label === l)!.score;
    const expected = Math.exp(logit('negative')) / (Math.exp(logit('positive')) + Math.exp(logit('negative')));
    const out = await zs(text, ['sports']);
    expect(out.labels).toEqual(['sports']);
    expect(Math.abs(out.scores[0] - expected)).toBeLessThan(1e-6);
    expect(warn).toHaveBeenCalledTimes(1); // once per pipeline, not per call
    zs.dispose();
    clf.dispose();
  });

  it('finds the label case-insensitively, in label2id order (the first match wins)', async () => {
    const source = withConfig((c) => {
      c.id2label = { 0: 'Entailment', 1: 'neutral', 2: 'entails' };
      c.label2id = { Entailment: 0, neutral: 1, entails: 2 };
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const zs = await pipeline('zero-shot-classification', source);
    const reference = await pipeline('zero-shot-classification', NLI); // entailment 0 too
    const a = await zs('The match ended in a draw.', ['sports', 'politics']);
    const b = await reference('The match ended in a draw.', ['sports', 'politics']);
    expect(warn).not.toHaveBeenCalled();
    expect(a.labels).toEqual(b.labels);
    a.scores.forEach((s, i) => expect(Math.abs(s - b.scores[i])).toBeLessThan(1e-6));
    zs.dispose();
    reference.dispose();
  });

  it.each([
    ['past the last class', 5],
    ['negative', -1],
    ['not an integer', 0.5],
  ])('an entailment index %s is a ConfigError at load, naming label2id and the index', async (_, index) => {
    const source = withConfig((c) => {
      c.label2id = { entailment: index, neutral: 1, contradiction: 2 };
    });
    const load = pipeline('zero-shot-classification', source);
    await expect(load).rejects.toThrow(ConfigError);
    await expect(load).rejects.toThrow(
      `config.json: label2id gives "entailment" the index ${index}, outside the model's 3 classes (0-2; id2label: 0: entailment, 1: neutral, 2: contradiction)`,
    );
  });
});

describe('zero-shot: labels, sequences and the hypothesis template', () => {
  let zs: ZeroShotClassificationPipeline;
  beforeAll(async () => {
    zs = await pipeline('zero-shot-classification', NLI);
  });

  it('needs at least one label and one sequence (transformers: "You must include at least one label and at least one sequence")', async () => {
    await expect(zs('some text', [])).rejects.toThrow('zero-shot-classification: candidateLabels is empty; you must include at least one label');
    await expect(zs('some text', ' , ,')).rejects.toThrow('candidateLabels is empty');
    await expect(zs([], ['a'])).rejects.toThrow('zero-shot-classification: no sequence given');
    await expect(zs('some text', 42 as never)).rejects.toThrow('candidateLabels must be a string or a list of strings, got 42');
    await expect(zs('some text', ['a', 7] as never)).rejects.toThrow('candidateLabels[1] must be a string, got 7');
  });

  it('rejects a template the labels cannot be put into, naming hypothesisTemplate', async () => {
    const bad: Array<[string, string]> = [
      ['This is {} and {}.', 'has more than one {} field'],
      ['No slot.', 'was not able to be formatted with the target labels'],
      ['Only {{braces}}.', 'was not able to be formatted'],
      ['A {label}.', 'has the field {label}'],
      ['A {1}.', 'has the field {1}'],
      ['A {} and {0}.', 'mixes {} with {0}'],
      ['A {.', "has a single '{'"],
      ['A }.', "has a single '}'"],
    ];
    for (const [template, message] of bad) {
      const call = zs('The match ended in a draw.', ['sports'], { hypothesisTemplate: template });
      await expect(call, template).rejects.toThrow(InputError);
      await expect(call, template).rejects.toThrow(`hypothesisTemplate ${JSON.stringify(template)}`);
      await expect(call, template).rejects.toThrow(message);
    }
    await expect(zs('x', ['a'], { hypothesisTemplate: 3 as never })).rejects.toThrow('hypothesisTemplate must be a string, got 3');
  });

  it('formats as Python str.format with one argument', () => {
    expect(formatTemplate('This example is {}.', 'sports')).toBe('This example is sports.');
    expect(formatTemplate('{0}, really {0}.', 'sports')).toBe('sports, really sports.');
    expect(formatTemplate('{{{}}} in braces', 'x')).toBe('{x} in braces');
    expect(formatTemplate('A {} label', '{} $& $1')).toBe('A {} $& $1 label'); // the label is inserted literally
  });

  it('puts the formatted hypothesis, braces and all, after the premise', async () => {
    const spy = vi.spyOn(zs.model, 'forward');
    await zs('The match ended in a draw.', ['sports'], { hypothesisTemplate: '{{Topic}}: {0}.' });
    const [inputs] = spy.mock.calls[0] as unknown as [{ inputIds: number[][] }];
    expect(zs.tokenizer.decode(inputs.inputIds[0])).toBe('[CLS] The match ended in a draw.[SEP] {Topic}: sports.[SEP]');
  });
});
