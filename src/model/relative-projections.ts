import type { Backend, PackedMatrix, RelativeTerms } from '../tensor/backend.js';
import type { AttentionProjections } from './attention.js';
import type { DebertaConfig } from './config.js';
import { relativeWindow, type RelativeWindow } from './relative-position.js';

/** What every layer's attention needs about relative positions for one sequence length. */
export interface RelativeContext extends RelativeWindow {
  /**
   * Layer `layer`'s c2p / p2c terms (posK, posQ packed per head, and the gather indices) for a sequence of
   * `length` (default: the context's own length; a shorter one for the packed path, whose sequences share the
   * window of the longest). A shorter length's indices are the leading [length, length] block of the context's:
   * the table row of a pair depends only on i − j (v1 included: its clamp stays inside every length's window).
   */
  terms(layer: number, length?: number): RelativeTerms;
}

/** One layer's projections of a window, packed as the attention kernel takes them: per head, [d, rows]. */
interface LayerPacks {
  posK: PackedMatrix[] | null;
  posQ: PackedMatrix[] | null;
}

/**
 * posK = R · W_pos_kᵀ and posQ = R · W_pos_qᵀ of every layer, for one model: the one owner of everything
 * cached about relative positions.
 *
 * - The projections depend on weights only, so they are computed once, when the model is built (transformers
 *   recomputes them every forward: 14.5 GFLOP for v3-base).
 * - A sequence length reaches only a window of the table's rows (model/relative-position.ts); windows and
 *   their gather indices are kept for the last {@link LENGTHS} lengths.
 * - The kernel takes each head's slice of a window packed; packing is kept for the last {@link WINDOWS}
 *   windows (long sequences share one: the whole table), and older packs are freed.
 */
export class RelativeProjections {
  /** Sequence lengths whose windows stay cached: building one costs O(L²). */
  static readonly LENGTHS = 8;
  /** Windows that stay packed: each holds layers × heads packs in the backend's memory. */
  static readonly WINDOWS = 4;

  /** Per layer, [tableRows, heads·d] each, or null for an absent term. */
  private readonly projected: Array<{ posK: Float32Array | null; posQ: Float32Array | null }>;
  /** Least recently used first. */
  private readonly windows = new Map<number, RelativeWindow>();
  /** Per layer, keyed by `rowStart:rows`; least recently used first. */
  private readonly packs = new Map<string, LayerPacks[]>();

  /**
   * @param table the relative-embedding table as attention uses it: [2·span, hidden]
   * @param layers every layer's projections, in order
   */
  constructor(
    private readonly backend: Backend,
    private readonly config: DebertaConfig,
    table: Float32Array,
    layers: readonly AttentionProjections[],
  ) {
    const rows = table.length / config.hiddenSize;
    this.projected = layers.map(({ posKey, posQuery }) => ({
      posK: posKey && posKey.forward(table, rows), // [tableRows, heads·d]
      posQ: posQuery && posQuery.forward(table, rows), // [tableRows, heads·d]
    }));
  }

  /** The relative context of every layer for sequences of this length. */
  context(length: number): RelativeContext {
    let window = this.windows.get(length);
    if (window === undefined) window = relativeWindow(this.config, length);
    touch(this.windows, length, window, RelativeProjections.LENGTHS, () => {});
    const { index, rowStart } = window;
    const blocks = new Map<number, { c2p: Int32Array; p2c: Int32Array }>([[length, index]]);
    const block = (n: number) => {
      let b = blocks.get(n);
      if (b === undefined) blocks.set(n, (b = { c2p: leadingBlock(index.c2p, length, n), p2c: leadingBlock(index.p2c, length, n) }));
      return b;
    };
    return {
      index,
      rowStart,
      terms: (layer, n = length) => {
        const { c2p, p2c } = block(n);
        return { ...this.packed(index.rows, rowStart)[layer], c2p, p2c };
      },
    };
  }

  /** Frees every pack. */
  dispose(): void {
    for (const layers of this.packs.values()) release(layers);
    this.packs.clear();
  }

  /** Every layer's packs of table rows [rowStart, rowStart + rows), packed on first use. */
  private packed(rows: number, rowStart: number): LayerPacks[] {
    const key = `${rowStart}:${rows}`;
    let layers = this.packs.get(key);
    if (layers === undefined) {
      const { numAttentionHeads: heads, attentionHeadSize: d } = this.config;
      const pack = (pos: Float32Array | null): PackedMatrix[] | null => {
        if (pos === null) return null;
        const from = pos.subarray(rowStart * heads * d); // [rows.., heads·d]
        return Array.from({ length: heads }, (_, h) =>
          this.backend.packB({ source: from, rows: d, cols: rows, transposed: true, offset: h * d, stride: heads * d }),
        );
      };
      layers = this.projected.map(({ posK, posQ }) => ({ posK: pack(posK), posQ: pack(posQ) }));
    }
    touch(this.packs, key, layers, RelativeProjections.WINDOWS, release);
    return layers;
  }
}

/** The leading [n, n] block of a square [length, length] matrix. */
function leadingBlock(m: Int32Array, length: number, n: number): Int32Array {
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) out.set(m.subarray(i * length, i * length + n), i * n);
  return out;
}

/** Makes `key` the most recently used entry of `cache`, evicting (and releasing) the oldest beyond `max`. */
function touch<K, V>(cache: Map<K, V>, key: K, value: V, max: number, evict: (old: V) => void): void {
  if (!cache.delete(key) && cache.size >= max) {
    const [oldest, old] = cache.entries().next().value!;
    cache.delete(oldest);
    evict(old);
  }
  cache.set(key, value);
}

/** Frees the packs of a window. */
function release(layers: LayerPacks[]): void {
  for (const { posK, posQ } of layers) for (const p of [...(posK ?? []), ...(posQ ?? [])]) p.dispose();
}
