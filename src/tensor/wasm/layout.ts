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

/**
 * Output channels per panel of a packed int8 weight (kernels/gemm-q8.ts): 8 channels × 2 k (plain SIMD)
 * or 4 channels × 4 k (relaxed) fill one 16-byte vector, and a panel is [K][8] bytes either way.
 */
export const Q8_PANEL = 8;

/** K of int8 packs and quantized activations is zero-padded to a multiple of this (16 lanes of a narrow). */
export const Q8_K_ALIGN = 16;

/** Rows of A per int8 register tile: 4 rows × 8 channels in 8 i32x4 accumulators. */
export const Q8_TILE_ROWS = 4;

/** The K block of the int8 gemm: 4 rows of A (8 KiB as int16) and the panel slice (8 KiB) stay in L1. */
export const Q8_KC = 1024;
