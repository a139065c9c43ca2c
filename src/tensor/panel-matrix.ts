/**
 * What this library's backends keep behind a {@link PackedMatrix}: B [rows, cols] as column panels, each
 * backend with its own panel width. Since every backend's packs share this shape, a backend handed a matrix
 * another one packed can read it, and repack it once for itself (kernels only; model code never sees it).
 */
import { InputError } from '../errors.js';
import type { PackedMatrix } from './backend.js';

/** B [rows, cols] packed in panels of `panelWidth` columns. */
export interface PanelMatrix extends PackedMatrix {
  /** Columns per panel of `data`. */
  readonly panelWidth: number;
  /**
   * ceil(cols / panelWidth) panels of [rows][panelWidth], zero-padded past `cols`. For a pack living in wasm
   * memory this is a view of that memory: copy it to keep it.
   */
  readonly data: Float32Array;
}

/** The panels behind `p`, which must come from one of this library's backends. */
export function panelsOf(p: PackedMatrix): PanelMatrix {
  if (typeof (p as Partial<PanelMatrix>).panelWidth !== 'number' || !('data' in p)) {
    throw new InputError('this PackedMatrix was not made by a backend of this library; pack it with the backend that multiplies it');
  }
  return p as PanelMatrix;
}

/** A pack on the JS heap: nothing outside it to release. */
export function heapPanels(data: Float32Array, rows: number, cols: number, panelWidth: number): PanelMatrix {
  return { rows, cols, panelWidth, data, dispose() {} };
}

/** Converts a packing to panels of `width` columns (a new JS-heap pack). */
export function repack(p: PanelMatrix, width: number): PanelMatrix {
  const { rows: k, cols: n, panelWidth: w } = p;
  const src = p.data;
  const panels = Math.ceil(n / width);
  const data = new Float32Array(panels * k * width);
  for (let col = 0; col < n; col++) {
    const from = Math.floor(col / w) * k * w + (col % w);
    const to = Math.floor(col / width) * k * width + (col % width);
    for (let kk = 0; kk < k; kk++) data[to + kk * width] = src[from + kk * w];
  }
  return heapPanels(data, k, n, width);
}
