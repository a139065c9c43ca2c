// RelativeProjections, the one cache of relative-position work: projections at load, packs per window,
// evicted packs freed, dispose frees the rest.
import { describe, expect, it } from 'vitest';
import { DebertaModel, jsBackend, type Backend, type PackedMatrix } from '../../src/index.js';
import { relativeWindow } from '../../src/model/relative-position.js';
import { RelativeProjections } from '../../src/model/relative-projections.js';
import { modelDir } from '../helpers/fixtures.js';

/** jsBackend, counting packs made and freed. */
function countingBackend(): { backend: Backend; made: Set<PackedMatrix>; freed: Set<PackedMatrix> } {
  const made = new Set<PackedMatrix>();
  const freed = new Set<PackedMatrix>();
  const backend: Backend = {
    ...jsBackend,
    name: 'counting',
    packB(args) {
      const p = jsBackend.packB(args);
      made.add(p);
      const dispose = p.dispose.bind(p);
      p.dispose = () => { freed.add(p); dispose(); };
      return p;
    },
  };
  return { backend, made, freed };
}

// v3_base_like: 3 layers, 4 heads, c2p and p2c, 8 log buckets up to position 64: short lengths each reach
// their own rows, lengths 27 to 64 all reach buckets -7..7.
const LAYERS = 3;
const PACKS_PER_WINDOW = LAYERS * 4 * 2;

async function load() {
  const counting = countingBackend();
  const model = await DebertaModel.fromPretrained(modelDir('v3_base_like'), { backend: counting.backend });
  const atLoad = counting.made.size;
  const packsSinceLoad = () => counting.made.size - atLoad;
  return { model, ...counting, packsSinceLoad };
}

describe('RelativeProjections', () => {
  it('packs a window once, on first use, and reuses it for the same length', async () => {
    const { model, packsSinceLoad } = await load();
    const rel = model.encoder.relativeContext(5)!;
    expect(packsSinceLoad()).toBe(0);
    const first = rel.terms(0);
    expect(packsSinceLoad()).toBe(PACKS_PER_WINDOW);
    const again = model.encoder.relativeContext(5)!.terms(0);
    expect(again.posK![0]).toBe(first.posK![0]);
    expect(again.c2p).toBe(first.c2p);
    expect(packsSinceLoad()).toBe(PACKS_PER_WINDOW);
    model.dispose();
  });

  it('lets lengths that reach the same rows share one window', async () => {
    const { model, packsSinceLoad } = await load();
    const a = model.encoder.relativeContext(30)!;
    const b = model.encoder.relativeContext(40)!;
    expect([a.rowStart, a.index.rows]).toEqual([b.rowStart, b.index.rows]);
    expect(b.terms(2).posQ![3]).toBe(a.terms(2).posQ![3]);
    expect(b.terms(2).p2c.length).toBe(40 * 40);
    expect(packsSinceLoad()).toBe(PACKS_PER_WINDOW);
    model.dispose();
  });

  it(`keeps ${RelativeProjections.WINDOWS} windows packed, frees older ones, and frees the rest on dispose`, async () => {
    const { model, made, freed, packsSinceLoad } = await load();
    const lengths = Array.from({ length: RelativeProjections.WINDOWS + 1 }, (_, i) => i + 2); // each its own window
    const firsts = lengths.map((L) => model.encoder.relativeContext(L)!.terms(0).posK![0]);
    expect(packsSinceLoad()).toBe(lengths.length * PACKS_PER_WINDOW);
    expect(freed.size).toBe(PACKS_PER_WINDOW); // the oldest window's
    expect(freed.has(firsts[0])).toBe(true);
    expect(freed.has(firsts[1])).toBe(false);
    // A context made before its window was evicted packs it again rather than using freed packs.
    const old = model.encoder.relativeContext(2)!;
    const repacked = old.terms(0).posK![0];
    expect(freed.has(repacked)).toBe(false);
    model.dispose();
    expect(freed.size).toBe(made.size);
  });

  it('gives each length its window of the table (model/relative-position.ts)', async () => {
    const { model } = await load();
    for (const L of [1, 3, 8, 9, 40]) {
      const ctx = model.encoder.relativeContext(L)!;
      const window = relativeWindow(model.config, L);
      expect(ctx.rowStart).toBe(window.rowStart);
      expect(Array.from(ctx.index.c2p)).toEqual(Array.from(window.index.c2p));
      expect(ctx.terms(1).posK![0].cols).toBe(window.index.rows);
    }
    model.dispose();
  });
});
