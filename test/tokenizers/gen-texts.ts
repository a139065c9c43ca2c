// Writes the random texts that gen-sentencepiece-reference.py tokenizes (seeded; see fuzz-gen.ts).
import { writeFileSync } from 'node:fs';
import { toWellFormed } from '../../src/tokenizers/text/unicode.js';
import { randomText, rng } from './fuzz-gen.js';

const r = rng(4242);
const texts = Array.from({ length: 3000 }, () => toWellFormed(randomText(r, r() < 0.3 ? 60 : 12)));
writeFileSync(process.argv[2] ?? 'texts.json', JSON.stringify(texts));
