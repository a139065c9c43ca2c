/**
 * The data layout the kernel generators (`kernels/`) and the host side (`host/`) agree on, defined once:
 * the generators bake these numbers into the emitted code, the host sizes and addresses buffers with them.
 */

/**
 * Panel width of every packed matrix in the wasm backend: B is stored as ceil(n / PANEL) panels of
 * [k][PANEL] floats, zero-padded past n. It is also the gemm's register-tile width (two f32x4 per row), and
 * attention's K and V panels (written by `packT` / `packN`) use it, so they feed the same gemm.
 */
export const PANEL = 8;

/** Rows of A per gemm register tile: TILE_ROWS × PANEL floats of C in TILE_ROWS · PANEL / 4 vector accumulators. */
export const TILE_ROWS = 4;

/** The K block of the gemm: 256 rows × 8 columns of B (8 KiB) stay in L1 while row tiles pass. */
export const KC = 256;

/**
 * Floats per chunk when a large operand goes through scratch memory (16 MiB): a wide product's columns of
 * C (plus B when it is copied in), or a large matrix being packed.
 */
export const CHUNK_FLOATS = 1 << 22;
