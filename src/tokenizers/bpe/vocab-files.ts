import { TokenizerError } from '../../errors.js';

/** Parses vocab.json (token -> id). */
export function parseVocabJson(json: unknown): Map<string, number> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TokenizerError('expected a JSON object of token -> id');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`id of ${JSON.stringify(token)} must be a non-negative integer`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerError('the vocabulary is empty');
  return vocab;
}

/** Parses merges.txt: an optional `#version` line, then one `left right` pair per line. */
export function parseMerges(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerError(`line ${i + 1} is not a "left right" merge: ${JSON.stringify(line.slice(0, 80))}`);
    }
    out.push([parts[0], parts[1]]);
  });
  return out;
}
