import { describe, expect, it } from 'vitest';
import { buildRelativePosition, logBucket } from '../../src/index.js';
import { relativeIndex } from '../../src/model/relative-position.js';
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
