// Tokenizer throughput: 1 MB of mixed text through each of our paths and through Hugging Face's Rust
// `tokenizers` npm package (a devDependency). Run alone with `npx vite-node bench/tokenizers.ts`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from 'tokenizers';
import { AutoTokenizer, type DebertaTokenizer } from '../src/tokenizers/index.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/tokenizers/', import.meta.url));
const TARGET_BYTES = 1 << 20;

/**
 * About 1 MB of documents built from the fixture texts (English, code, URLs and text in ~60 languages):
 * seeded random runs of their words, so documents are realistic but not verbatim repeats (which would
 * only measure caches).
 */
function corpus(): string[] {
  const cases = JSON.parse(readFileSync(join(FIXTURES, 'spm_cases.json'), 'utf8')) as Array<{ text: string }>;
  const words = cases.flatMap((c) => c.text.split(/(?<=\s)/u));
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const docs: string[] = [];
  const enc = new TextEncoder();
  let bytes = 0;
  while (bytes < TARGET_BYTES) {
    const start = Math.floor(rand() * words.length);
    const len = 20 + Math.floor(rand() * 300);
    const doc = words.slice(start, start + len).join('');
    docs.push(doc);
    bytes += enc.encode(doc).length;
  }
  return docs;
}

function mbPerSecond(bytes: number, ms: number): number {
  return bytes / (1 << 20) / (ms / 1000);
}

/** Times one pass (cold: fresh instance, empty caches) and the best of 3 further passes (warm). */
async function measure(make: () => Promise<(doc: string) => unknown>, docs: string[]): Promise<[number, number]> {
  const encode = await make();
  const pass = async (): Promise<number> => {
    const t0 = performance.now();
    for (const d of docs) await encode(d);
    return performance.now() - t0;
  };
  const cold = await pass();
  let warm = Infinity;
  for (let i = 0; i < 3; i++) warm = Math.min(warm, await pass());
  return [cold, warm];
}

/** Prints MB/s of each tokenizer path (cold and warm) and the speed relative to the Rust package. */
export async function benchTokenizers(): Promise<void> {
  const docs = corpus();
  const bytes = docs.reduce((n, d) => n + new TextEncoder().encode(d).length, 0);
  console.log(`tokenizers: ${docs.length} documents, ${(bytes / (1 << 20)).toFixed(2)} MB UTF-8 (MB/s cold = first pass on a fresh tokenizer, warm = best of 3 more)`);
  const fmt = (ms: number): string => mbPerSecond(bytes, ms).toFixed(2).padStart(6);
  for (const [version, dir] of [
    ['v3', join(FIXTURES, 'deberta-v3')],
    ['v1', join(FIXTURES, 'deberta-v1')],
  ] as const) {
    const [rustCold, rustWarm] = await measure(async () => {
      const rust = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
      return (d) => rust.encode(d);
    }, docs);
    const rustBatch = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
    const t0 = performance.now();
    await rustBatch.encodeBatch(docs);
    const batchCold = performance.now() - t0;
    console.log(`  ${`${version} Rust tokenizers encode() (reference)`.padEnd(52)} cold ${fmt(rustCold)}  warm ${fmt(rustWarm)} MB/s`);
    console.log(`  ${`${version} Rust tokenizers encodeBatch(), 2 threads`.padEnd(52)} cold ${fmt(batchCold)} MB/s`);
    const ours: Array<[string, () => Promise<DebertaTokenizer>, boolean]> = [
      ['fast, tokenizer.json', () => AutoTokenizer.fromPretrained(dir, { modelMaxLength: 1e9 }), false],
      ['fast, tokenizer.json, with offsets', () => AutoTokenizer.fromPretrained(dir, { modelMaxLength: 1e9 }), true],
      [
        `slow, ${version === 'v3' ? 'spm.model' : 'vocab.json + merges.txt'}`,
        () => AutoTokenizer.fromPretrained(dir, { semantics: 'slow', modelMaxLength: 1e9 }),
        false,
      ],
    ];
    for (const [name, load, offsets] of ours) {
      const [cold, warm] = await measure(async () => {
        const tok = await load();
        return (d) => tok(d, { returnOffsets: offsets });
      }, docs);
      const ratio = `speed vs Rust: cold ${(rustCold / cold).toFixed(2)}x, warm ${(rustWarm / warm).toFixed(2)}x`;
      console.log(`  ${`${version} ours, ${name}`.padEnd(52)} cold ${fmt(cold)}  warm ${fmt(warm)} MB/s  ${ratio}`);
    }
  }
}

/** Whether this module is the program's entry (not imported by another bench file). */
function isEntry(): boolean {
  const self = fileURLToPath(import.meta.url);
  const entry = process.argv[1] ?? '';
  if (entry === self) return true;
  if (!/vite-node(\.mjs)?$/.test(entry)) return false;
  // vite-node keeps the entry out of argv; an importing module shows up as another source frame.
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  return !frames.some((l) => /\.[cm]?[jt]s:\d+:\d+\)?$/.test(l) && !l.includes('node_modules') && !l.includes('node:') && !l.includes(self));
}

if (isEntry()) await benchTokenizers();
