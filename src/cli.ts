#!/usr/bin/env node
// The `deberta` command: one pipeline call from the shell. Node only.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DebertaError } from './errors.js';
import { pipeline, TASKS, type PipelineOptions, type Task } from './pipelines/pipeline.js';
import type { LoadProgress } from './io/load-options.js';
import { DTYPES, type ModelDtype } from './model/dtype.js';
import { quantize } from './model/quantize.js';

const EXAMPLE_MODEL = fileURLToPath(new URL('../examples/deberta-v3-tiny-mlm', import.meta.url));

/** Per task: a Hub checkpoint that has the task's head, and an input for it, for messages that suggest one. */
const SUGGESTED: Record<string, { model: string; args: string }> = {
  'fill-mask': { model: 'microsoft/deberta-v3-base', args: '"Paris is the [MASK] of France."' },
  'feature-extraction': { model: 'microsoft/deberta-v3-base', args: '"A sentence to embed."' },
  'text-classification': { model: 'MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli', args: '--pair "A man is eating." "Someone eats."' },
  'zero-shot-classification': { model: 'MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli', args: '--labels "politics, sports" "The match ended in a draw."' },
  'token-classification': { model: 'path/to/a-deberta-ner-checkpoint', args: '"Angela Merkel visited Paris."' },
  'question-answering': { model: 'deepset/deberta-v3-base-squad2', args: '--question "Where is the Eiffel Tower?" "The Eiffel Tower is in Paris."' },
  gliner: { model: 'urchade/gliner_multi-v2.1', args: '--labels "person, organization" "Marie Curie worked at the Sorbonne."' },
};

/** `e.g. npx deberta <task> --model <id> <input>`, for the task as the user spelled it. */
function example(task: string, canonical: string): string {
  const { model, args } = SUGGESTED[canonical];
  return `e.g. npx deberta ${task} --model ${model} ${args}`;
}

/**
 * A reader that stops early (`deberta ... | head`) closes the pipe and the next write fails with EPIPE. Unix
 * tools die quietly of SIGPIPE there, but Node ignores SIGPIPE and crashes on the unhandled 'error' event
 * with a stack trace. The reader has what it wanted, so exit 0 at once: the rest has nowhere to go.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`deberta: cannot write the output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? 0 : 1);
  });
  // A closed stderr loses only warnings and messages, which nothing could report; the work and stdout go on.
  process.stderr.on('error', () => {});
}

const COMMON = `Common options:
  --model <folder|url|hub-id>   checkpoint with config.json, weights and tokenizer files
  --revision <rev>              Hub branch, tag or commit (default main)
  --hub-url <url>               Hub base URL (default https://huggingface.co)
  --semantics slow|fast         tokenizer behaviour where both spm.model and tokenizer.json exist
  --batch-size <n>              sequences per forward pass (default 8)
  --max-tokens-per-batch <n>    padded tokens per forward pass (default 16384)
  --dtype fp32|q8               matmul precision: q8 = int8 weights, a quarter of the memory (default fp32,
                                q8 for checkpoints written by 'deberta quantize')
  --json                        print JSON instead of text
  -h, --help                    this help`;

const HELP: Record<string, string> = {
  'fill-mask': `deberta fill-mask [options] <text with [MASK]>...
Proposes tokens for each [MASK].
  --top-k <n>          proposals per mask (default 5)
  --targets <a,b,...>  only score these tokens
  --decoder emd        use microsoft's Enhanced Mask Decoder (needs position embeddings in the checkpoint)
Default model: the tiny random-weight example in examples/ (only in a git checkout; its predictions are meaningless).`,
  'text-classification': `deberta text-classification [options] <text>...
Labels a text (or a pair, with --pair).
  --pair <text>                 second text of a pair (e.g. an NLI hypothesis)
  --top-k <n|all>               labels to show (default: the best one)
  --function softmax|sigmoid|none`,
  'zero-shot-classification': `deberta zero-shot-classification --labels <a,b,...> [options] <text>...
Scores candidate labels with an NLI model.
  --labels <a,b,...>   candidate labels (required)
  --template <text>    hypothesis template with {} (default "This example is {}.")
  --multi-label        score each label on its own`,
  'token-classification': `deberta token-classification [options] <text>...
Tags tokens (NER and the like).
  --aggregation none|simple|first|average|max   (default simple)
  --ignore-labels <a,b,...>                     (default O)`,
  'question-answering': `deberta question-answering --question <q> [options] <context>
Extracts the answer span from a context.
  --question <text>        the question (required)
  --top-k <n>              answers to show (default 1)
  --max-answer-len <n>     longest answer in tokens (default 15)
  --handle-impossible      allow "no answer"`,
  'feature-extraction': `deberta feature-extraction [options] <text>...
Prints hidden states (or pooled sentence vectors).
  --pooling none|mean|cls  (default mean)
  --normalize              L2-normalise the vectors
Default model: the tiny random-weight example in examples/ (only in a git checkout).`,
  gliner: `deberta gliner --model <gliner checkpoint> --labels <a,b,...> [options] <text>...
Finds entities of any types with a GLiNER model (span or token-level, DeBERTa backbone).
  --labels <a,b,...>   entity types (required)
  --threshold <x>      keep spans with probability above x, in (0, 1) (default 0.5)
  --nested             allow entities inside entities (GLiNER's flat_ner=False)
  --multi-label        allow one span to carry several labels
  --window             cover texts longer than the model's max_len with overlapping windows`,
};

const QUANTIZE_HELP = `deberta quantize <source> <out-folder>
Writes an int8 (q8) copy of a float checkpoint: model.safetensors with int8 weights and their scales,
config.json marking the scheme, and the tokenizer files. Load it like any checkpoint (dtype q8 by default).
  <source>       folder, URL or Hub id of a float32/float16 DeBERTa checkpoint
  --revision, --hub-url as for the tasks`;

function usage(): string {
  return `Usage: deberta <task> [--model <folder|url|hub-id>] [options] <text...>
       deberta quantize <source> <out-folder>
Tasks: ${TASKS.join(', ')}
Run 'deberta <task> --help' for a task's options.

${COMMON}`;
}

class UsageError extends Error {}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A progress bar on stderr while files download; only on a terminal. */
function progressBar(): ((p: LoadProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return ({ file, loaded, total }) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const width = 30;
    const frac = total ? loaded / total : 0;
    const bar = total ? '#'.repeat(Math.round(frac * width)).padEnd(width, '.') : '';
    process.stderr.write(`\r${file} ${bar} ${mb(loaded)}${total ? `/${mb(total)}` : ''} MB`);
    if (total !== undefined && loaded >= total) process.stderr.write('\n');
  };
}

function dtypeOption(v: string | undefined): ModelDtype | undefined {
  if (v !== undefined && !(DTYPES as readonly string[]).includes(v)) throw new UsageError(`--dtype must be ${DTYPES.join(' or ')}, got "${v}"`);
  return v as ModelDtype | undefined;
}

async function quantizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { revision: { type: 'string' }, 'hub-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(QUANTIZE_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`quantize needs a source and an output folder, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}: deberta quantize <source> <out-folder>`);
  const [source, out] = positionals;
  const files = await quantize(source, out, { revision: values.revision, hubUrl: values['hub-url'], onProgress: progressBar() });
  process.stdout.write(`wrote ${files.join(', ')} to ${out}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [task, ...rest] = argv;
  if (task === undefined || task === '-h' || task === '--help') {
    process.stdout.write(usage() + '\n');
    return task === undefined ? 1 : 0;
  }
  if (task === 'quantize') return quantizeCommand(rest);
  if (!(TASKS as readonly string[]).includes(task)) throw new UsageError(`unknown task "${task}"; tasks: ${TASKS.join(', ')}, or quantize`);
  const canonical = task === 'sentiment-analysis' ? 'text-classification' : task === 'ner' ? 'token-classification' : task;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      model: { type: 'string' }, revision: { type: 'string' }, 'hub-url': { type: 'string' }, semantics: { type: 'string' },
      'batch-size': { type: 'string' }, 'max-tokens-per-batch': { type: 'string' }, dtype: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      'top-k': { type: 'string' }, targets: { type: 'string' }, decoder: { type: 'string' }, pair: { type: 'string' },
      function: { type: 'string' }, labels: { type: 'string' }, template: { type: 'string' }, 'multi-label': { type: 'boolean' },
      aggregation: { type: 'string' }, 'ignore-labels': { type: 'string' }, question: { type: 'string' },
      'max-answer-len': { type: 'string' }, 'handle-impossible': { type: 'boolean' }, pooling: { type: 'string' },
      normalize: { type: 'boolean' }, threshold: { type: 'string' }, nested: { type: 'boolean' }, window: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP[canonical]}\n\n${COMMON}\n`);
    return 0;
  }
  if (values.semantics !== undefined && values.semantics !== 'slow' && values.semantics !== 'fast') {
    throw new UsageError(`--semantics must be slow or fast, got "${values.semantics}"`);
  }
  const model = values.model ?? (canonical === 'fill-mask' || canonical === 'feature-extraction' ? EXAMPLE_MODEL : undefined);
  if (model === undefined) {
    throw new UsageError(`${task} needs --model with a local folder, a URL or a Hub id of a checkpoint with the ${task} head, ${example(task, canonical)}`);
  }
  if (model === EXAMPLE_MODEL && !existsSync(EXAMPLE_MODEL)) {
    // The npm package has no examples/ (6.6 MB of random weights), so an installed CLI always lands here.
    throw new UsageError(
      'no --model given, and the example model (examples/deberta-v3-tiny-mlm) ships only in the git repository. ' +
        `Pass --model with a local folder, a URL or a Hub id, ${example(task, canonical)}`,
    );
  }
  const texts = positionals;
  if (texts.length === 0) throw new UsageError(`${task}: give at least one text (see deberta ${task} --help)`);
  const options: PipelineOptions = {
    revision: values.revision,
    hubUrl: values['hub-url'],
    semantics: values.semantics as 'slow' | 'fast' | undefined,
    dtype: dtypeOption(values.dtype),
    onProgress: progressBar(),
  };
  const batchSize = positiveInt('batch-size', values['batch-size']);
  const maxTokensPerBatch = positiveInt('max-tokens-per-batch', values['max-tokens-per-batch']);
  const topKRaw = values['top-k'];
  let result: unknown;
  switch (canonical as Task) {
    case 'fill-mask': {
      const fill = await pipeline('fill-mask', model, options);
      const decoder = values.decoder as 'emd' | 'standard' | undefined;
      result = await fill(texts, { topK: positiveInt('top-k', topKRaw), targets: list(values.targets), decoder, batchSize, maxTokensPerBatch });
      break;
    }
    case 'text-classification': {
      const clf = await pipeline('text-classification', model, options);
      const inputs = values.pair !== undefined ? texts.map((text) => ({ text, textPair: values.pair! })) : texts;
      const fn = values.function as 'softmax' | 'sigmoid' | 'none' | undefined;
      const topK = topKRaw === undefined ? 1 : topKRaw === 'all' ? null : positiveInt('top-k', topKRaw);
      result = await clf(inputs, { topK, functionToApply: fn, batchSize, maxTokensPerBatch });
      break;
    }
    case 'zero-shot-classification': {
      const labels = list(values.labels);
      if (!labels || labels.length === 0) throw new UsageError('zero-shot-classification needs --labels a,b,c');
      const zs = await pipeline('zero-shot-classification', model, options);
      result = await zs(texts, labels, { hypothesisTemplate: values.template, multiLabel: values['multi-label'], batchSize, maxTokensPerBatch });
      break;
    }
    case 'token-classification': {
      const ner = await pipeline('token-classification', model, options);
      const aggregationStrategy = (values.aggregation ?? 'simple') as 'none' | 'simple' | 'first' | 'average' | 'max';
      result = await ner(texts, { aggregationStrategy, ignoreLabels: list(values['ignore-labels']), batchSize, maxTokensPerBatch });
      break;
    }
    case 'question-answering': {
      if (values.question === undefined) throw new UsageError('question-answering needs --question "..."');
      const qa = await pipeline('question-answering', model, options);
      result = await qa(texts.map((context) => ({ question: values.question!, context })), {
        topK: positiveInt('top-k', topKRaw),
        maxAnswerLen: positiveInt('max-answer-len', values['max-answer-len']),
        handleImpossibleAnswer: values['handle-impossible'],
        batchSize,
        maxTokensPerBatch,
      });
      break;
    }
    case 'feature-extraction': {
      const fe = await pipeline('feature-extraction', model, options);
      const pooling = (values.pooling ?? 'mean') as 'none' | 'mean' | 'cls';
      const t = await fe(texts, { pooling, normalize: values.normalize, batchSize, maxTokensPerBatch });
      result = t.toArray();
      break;
    }
    case 'gliner': {
      const labels = list(values.labels);
      if (!labels || labels.length === 0) throw new UsageError('gliner needs --labels "person, organization"');
      const raw = values.threshold;
      const threshold = raw === undefined ? undefined : Number(raw);
      if (threshold !== undefined && !(raw!.trim() !== '' && threshold > 0 && threshold < 1)) throw new UsageError(`--threshold must be a number in (0, 1), got "${raw}"`);
      const gliner = await pipeline('gliner', model, options);
      result = await gliner(texts, labels, { threshold, flatNer: !values.nested, multiLabel: values['multi-label'] ?? false, window: values.window ?? false, batchSize, maxTokensPerBatch });
      break;
    }
  }
  process.stdout.write((values.json ? JSON.stringify(result) : render(canonical, texts, result)) + '\n');
  return 0;
}

/** Human-readable output: one block per input text. */
function render(task: string, texts: string[], result: unknown): string {
  const perText = result as unknown[];
  const fmt = (x: number) => x.toFixed(4);
  return texts.map((text, i) => {
    const r = perText[i] as never;
    const lines: string[] = [`> ${text}`];
    if (task === 'fill-mask') {
      const masks: Array<Array<{ score: number; tokenStr: string; sequence: string }>> = Array.isArray((r as unknown[])[0]) ? r : [r];
      masks.forEach((m, j) => {
        if (masks.length > 1) lines.push(`  mask ${j + 1}:`);
        for (const p of m) lines.push(`  ${fmt(p.score)}  ${JSON.stringify(p.tokenStr)}  ${p.sequence}`);
      });
    } else if (task === 'text-classification') {
      const labels: Array<{ label: string; score: number }> = Array.isArray(r) ? r : [r];
      for (const l of labels) lines.push(`  ${fmt(l.score)}  ${l.label}`);
    } else if (task === 'zero-shot-classification') {
      const z = r as { labels: string[]; scores: number[] };
      z.labels.forEach((l, j) => lines.push(`  ${fmt(z.scores[j])}  ${l}`));
    } else if (task === 'token-classification') {
      const ents = r as Array<{ entityGroup?: string; entity?: string; score: number; word: string; start: number; end: number }>;
      if (ents.length === 0) lines.push('  (no entities)');
      for (const e of ents) lines.push(`  ${fmt(e.score)}  ${e.entityGroup ?? e.entity}  ${JSON.stringify(e.word)} [${e.start}, ${e.end})`);
    } else if (task === 'gliner') {
      const ents = r as Array<{ label: string; score: number; text: string; start: number; end: number }>;
      if (ents.length === 0) lines.push('  (no entities)');
      for (const e of ents) lines.push(`  ${fmt(e.score)}  ${e.label}  ${JSON.stringify(e.text)} [${e.start}, ${e.end})`);
    } else if (task === 'question-answering') {
      const answers: Array<{ score: number; answer: string; start: number; end: number }> = Array.isArray(r) ? r : [r];
      for (const a of answers) lines.push(`  ${fmt(a.score)}  ${JSON.stringify(a.answer)} [${a.start}, ${a.end})`);
    } else {
      const v = r as number[] | number[][];
      lines.push(`  ${Array.isArray(v[0]) ? `[${v.length} tokens x ${(v[0] as number[]).length}]` : `[${v.length}] ${(v as number[]).slice(0, 6).map(fmt).join(' ')} ...`}`);
    }
    return lines.join('\n');
  }).join('\n');
}

quietOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const err = e as Error;
    const known = err instanceof DebertaError || err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    // One line, always: node:util's parseArgs explains an ambiguous option over three.
    const message = (known ? err.message : `${err.name}: ${err.message}`).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`deberta: ${message}\n`);
    process.exitCode = 1;
  },
);
