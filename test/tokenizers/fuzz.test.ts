import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { toWellFormed } from '../../src/tokenizers/unicode.js';
import { randomText, rng } from './fuzz-gen.js';
import { toCodePoints, V1, V3 } from './helpers.js';

/**
 * Differential test against Hugging Face's Rust `tokenizers` (npm package) on seeded random text: ids,
 * offsets (the package reports code points) and decoding must be identical.
 */
async function compare(dir: string, seed: number, count: number): Promise<string[]> {
  const rust = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
  const ours = await AutoTokenizer.fromPretrained(dir, { modelMaxLength: 1e6 });
  const r = rng(seed);
  const texts = Array.from({ length: count }, () => randomText(r, r() < 0.2 ? 60 : 12));
  const failures: string[] = [];
  for (let start = 0; start < texts.length; start += 200) {
    const chunk = texts.slice(start, start + 200);
    const encodings = await rust.encodeBatch(chunk);
    for (let i = 0; i < chunk.length; i++) {
      const text = chunk[i];
      const enc = encodings[i];
      const got = ours(text, { returnOffsets: true });
      const ids = got.inputIds[0];
      const where = `#${start + i} ${JSON.stringify(text)}`;
      if (JSON.stringify(ids) !== JSON.stringify(enc.getIds())) {
        failures.push(`${where}: ids ${JSON.stringify(ids)} vs ${JSON.stringify(enc.getIds())}`);
        continue;
      }
      const wellFormed = toWellFormed(text);
      const offsets = toCodePoints(wellFormed, (got.offsets as Array<Array<[number, number]>>)[0]);
      const expected = enc.getOffsets().map(([s, e], k) => (enc.getSpecialTokensMask()[k] ? [0, 0] : [s, e]));
      if (JSON.stringify(offsets) !== JSON.stringify(expected)) {
        failures.push(`${where}: offsets ${JSON.stringify(offsets)} vs ${JSON.stringify(expected)}`);
        continue;
      }
      for (const skip of [true, false]) {
        const mine = ours.decode(ids, { skipSpecialTokens: skip });
        const theirs = await rust.decode(ids, skip);
        if (mine !== theirs) failures.push(`${where}: decode(skip=${skip}) ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`);
      }
    }
  }
  return failures;
}

describe('differential fuzz against the Rust tokenizers package', () => {
  it('DeBERTa v3 tokenizer.json: 2,500 random texts give identical ids, offsets and decodes', async () => {
    const failures = await compare(V3, 20240531, 2500);
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('DeBERTa v1 tokenizer.json: 1,000 random texts give identical ids, offsets and decodes', async () => {
    const failures = await compare(V1, 7, 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  });
});
