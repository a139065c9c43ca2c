import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nfkcNormalizer, Tokenizer } from 'tokenizers';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { toWellFormed } from '../../src/tokenizers/text/unicode.js';
import { randomText, rng } from './fuzz-gen.js';
import { folder, toCodePoints, V1, V3 } from './helpers.js';

/**
 * Differential test against Hugging Face's Rust `tokenizers` (npm package) on seeded random text: ids,
 * offsets (the package reports code points) and decoding must be identical.
 */
async function compare(
  dir: string,
  seed: number,
  count: number,
  edit?: (json: Record<string, unknown>) => void,
  keep: (text: string) => boolean = () => true,
): Promise<string[]> {
  let rust = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
  let ours = await AutoTokenizer.fromPretrained(dir, { modelMaxLength: 1e6 });
  let checkOffsets = true;
  if (edit) {
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    edit(json);
    const text = JSON.stringify(json);
    rust = Tokenizer.fromString(text);
    ours = await AutoTokenizer.fromPretrained(folder(dir, { 'tokenizer.json': text }), { modelMaxLength: 1e6 });
    // Offsets inside clusters changed by NFC/NFKC are attributed differently (see UnicodeNormalizer).
    checkOffsets = !text.includes('"NFKC"');
  }
  const r = rng(seed);
  const texts = Array.from({ length: count }, () => randomText(r, r() < 0.2 ? 60 : 12)).filter(keep);
  expect(texts.length).toBeGreaterThan(count * 0.8);
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
      if (checkOffsets && JSON.stringify(offsets) !== JSON.stringify(expected)) {
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

  it('v3 with a Lowercase normalizer first (do_lower_case): 500 random texts, ids and offsets', async () => {
    const failures = await compare(V3, 11, 500, (json) => {
      const n = json.normalizer as { normalizers: unknown[] };
      n.normalizers.unshift({ type: 'Lowercase' });
    });
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('v1 with Lowercase + NFKC normalizers: 500 random texts, ids and decodes', async () => {
    // The Rust library's NFKC tables are older than the JS engine's; texts where the two NFKCs disagree
    // (characters from recent Unicode versions) are left out.
    const rustNfkc = nfkcNormalizer();
    const sameNfkc = (t: string): boolean => rustNfkc.normalizeString(t) === toWellFormed(t).normalize('NFKC');
    const failures = await compare(
      V1,
      13,
      500,
      (json) => {
        json.normalizer = { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'NFKC' }] };
      },
      sameNfkc,
    );
    expect(failures.slice(0, 10)).toEqual([]);
  });
});
