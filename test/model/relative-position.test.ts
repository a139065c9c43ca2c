import { describe, expect, it } from 'vitest';
import { buildRelativePosition, logBucket } from '../../src/index.js';
import { parseConfig } from '../../src/index.js';
import { relativeIndex, relativeWindow, tableSpan } from '../../src/model/relative-position.js';
import { FIXTURES, readJsonFile } from '../helpers/fixtures.js';
import { join } from 'node:path';

interface BucketTable {
  position_buckets: number;
  max_relative_positions: number;
  relative_positions_from: number;
  relative_positions_to: number;
  bucket: number[];
  c2p_index: number[];
}

const { tables } = readJsonFile<{ tables: BucketTable[] }>(join(FIXTURES, 'models', 'log_buckets', 'expected.json'));

describe('log buckets match transformers 4.40.2 exactly', () => {
  it.each(tables.map((t) => [t.position_buckets, t.max_relative_positions, t] as const))('buckets %i, maxrel %i', (buckets, maxrel, t) => {
    const got: number[] = [];
    const index: number[] = [];
    for (let r = t.relative_positions_from; r <= t.relative_positions_to; r++) {
      const b = logBucket(r, buckets, maxrel);
      got.push(b);
      index.push(Math.min(Math.max(b + buckets, 0), 2 * buckets - 1));
    }
    expect(got).toEqual(t.bucket);
    expect(index).toEqual(t.c2p_index);
  });
});

describe('relative positions and gather indices', () => {
  it('are i - j without buckets', () => {
    expect(Array.from(buildRelativePosition(2, 3, 0, 0))).toEqual([0, -1, -2, 1, 0, -1]);
  });

  it('index only the rows a sequence reaches, c2p by query and p2c by key', () => {
    // L = 3, span 4: r in [-2, 2], so rows 2..6 of the 8-row table.
    const rel = buildRelativePosition(3, 3, 0, 0);
    const idx = relativeIndex(rel, 3, 4);
    expect(idx.rowLo).toBe(2);
    expect(idx.rows).toBe(5);
    // c2p[i, j] = r(i, j) + span - rowLo = i - j + 2; p2c[j, i] = -r(j, i) + span - rowLo = i - j + 2.
    expect(Array.from(idx.c2p)).toEqual([2, 1, 0, 3, 2, 1, 4, 3, 2]);
    expect(Array.from(idx.p2c)).toEqual([2, 3, 4, 1, 2, 3, 0, 1, 2]);
  });

  it('clamp distances beyond the span', () => {
    const rel = buildRelativePosition(5, 5, 0, 0);
    const idx = relativeIndex(rel, 5, 2); // span 2: indices clamp into [0, 3]
    expect(idx.rowLo).toBe(0);
    expect(idx.rows).toBe(4);
    expect(idx.c2p[4]).toBe(0); // r(0, 4) = -4 -> clamp(-2) = 0
    expect(idx.c2p[20]).toBe(3); // r(4, 0) = 4 -> clamp(6) = 3
  });
});

describe('table windows', () => {
  const sizes = { hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 8, vocab_size: 10, relative_attention: true };

  it('v1 reads the middle 2·min(L, max_relative_positions) rows of its [2·max_relative_positions] table', () => {
    const config = parseConfig({ model_type: 'deberta', ...sizes, max_relative_positions: 6 });
    expect(tableSpan(config)).toBe(6);
    // L = 3: att_span 3, rows 3..8 of 12; r in [-2, 2] reaches rows 4..8.
    const short = relativeWindow(config, 3);
    expect([short.rowStart, short.index.rows]).toEqual([4, 5]);
    // L = 10: att_span 6, the whole table; r in [-9, 9] clamps into it.
    const long = relativeWindow(config, 10);
    expect([long.rowStart, long.index.rows]).toEqual([0, 12]);
  });

  it('v2/v3 use the [2·position_buckets] table from row 0', () => {
    const config = parseConfig({ model_type: 'deberta-v2', ...sizes, position_buckets: 4, max_relative_positions: 16 });
    expect(tableSpan(config)).toBe(4);
    const w = relativeWindow(config, 2); // r in [-1, 1]: rows 3..5 of 8
    expect([w.rowStart, w.index.rows]).toEqual([3, 3]);
    expect(tableSpan(parseConfig({ model_type: 'deberta-v2', ...sizes, max_relative_positions: 16 }))).toBe(16);
  });
});
