/**
 * The kernel seam: every hot loop a model runs is one op of a {@link Backend}. A backend is a value: a model
 * receives one when it is built and hands it to each of its modules, which call `this.backend.op({ ... })`.
 *
 * This file holds only the interface and the types of its arguments. `js/` implements every op in plain
 * TypeScript (the executable spec: read it for the exact semantics), `wasm/` in WebAssembly SIMD, and
 * `default-backend.ts` is the one place that picks between them.
 *
 * Every op takes one argument object, so shapes, strides and offsets are named at the call site. Arrays are
 * row-major float32; a "stride" is the distance in elements between the starts of consecutive rows.
 */
import type { Activation } from './activation.js';

export type { Activation } from './activation.js';

/**
 * A matrix B [rows, cols] laid out by a backend's {@link Backend.packB} for {@link Backend.gemm}: an opaque
 * handle, since the layout, and where the data lives (the JS heap, wasm memory), are the backend's business.
 * Model code only hands it back to a backend and disposes it.
 */
export interface PackedMatrix {
  /** Rows of B: the K (inner dimension) of every product it takes part in. */
  readonly rows: number;
  /** Columns of B: the N (output columns) of those products. */
  readonly cols: number;
  /** Releases memory the backend holds for it outside the JS heap; it must not be used afterwards. Idempotent. */
  dispose(): void;
}

/** Arguments of {@link Backend.packB}: which elements of `source` form B [rows, cols]. */
export interface PackArgs {
  /** Holds B, possibly as part of a larger matrix. */
  readonly source: Float32Array;
  /** Rows of B (K). */
  readonly rows: number;
  /** Columns of B (N). */
  readonly cols: number;
  /**
   * false: B[r, c] is `source[offset + r * stride + c]` (B stored row-major). true: B[r, c] is
   * `source[offset + c * stride + r]` (B stored transposed, as a Linear weight W [out, in] is for x·Wᵀ).
   */
  readonly transposed: boolean;
  /** Element of `source` where B starts; default 0. */
  readonly offset?: number;
  /** Elements between consecutive stored rows; default `cols` (`rows` when transposed), i.e. B stored densely. */
  readonly stride?: number;
  /**
   * For transient packs (an attention head's keys): a buffer to pack into when it is large enough, so
   * repeated packs reuse one allocation. The result is valid until the buffer is written again. Default:
   * memory the backend allocates and keeps until `dispose()`.
   */
  readonly into?: Float32Array;
}

/** Arguments of {@link Backend.gemm}: C [m, N] = A [m, K] · B [K, N] (+ bias) (+ C). */
export interface GemmArgs {
  /** Rows of A and of C. */
  readonly m: number;
  /** A [m, K] (K = `b.rows`): element (i, k) at `a[aOffset + i * aStride + k]`. */
  readonly a: Float32Array;
  /** Element of `a` where A starts; default 0. */
  readonly aOffset?: number;
  /** Elements between rows of A; default K. */
  readonly aStride?: number;
  /** B [K, N], packed by {@link Backend.packB} of this backend (or of another of this library's backends). */
  readonly b: PackedMatrix;
  /** C [m, N] (N = `b.cols`): element (i, n) at `out[outOffset + i * outStride + n]`; nothing else is written. */
  readonly out: Float32Array;
  /** Element of `out` where C starts; default 0. */
  readonly outOffset?: number;
  /** Elements between rows of C; default N. */
  readonly outStride?: number;
  /** [N], added to every row of C; default none. */
  readonly bias?: Float32Array | null;
  /** Add the product to what C holds instead of overwriting it; default false. */
  readonly accumulate?: boolean;
  /**
   * Applied to every element of C last (after the bias and any accumulation), exactly as
   * {@link Backend.activate} would apply it afterwards, so a backend may fuse it into the product's epilogue.
   * Only passed to a backend whose {@link Backend.appliesActivation} is true.
   */
  readonly activation?: Activation;
}

/**
 * A weight W [N, K] quantized to int8 rows (see `tensor/quant.ts`) and laid out by a backend's
 * {@link Backend.packQ8} for {@link Backend.gemmQ8}: opaque, like {@link PackedMatrix}. As there, `rows` is
 * K and `cols` is N: the shape of the B it stands for in x · Wᵀ.
 */
export interface PackedQ8Matrix {
  /** K: the inner dimension (W's columns). */
  readonly rows: number;
  /** N: the output channels (W's rows). */
  readonly cols: number;
  /** Releases memory the backend holds for it outside the JS heap; it must not be used afterwards. Idempotent. */
  dispose(): void;
}

/** Arguments of {@link Backend.packQ8}: W [N, K] as int8 rows with one float32 scale per row. */
export interface PackQ8Args {
  /** W [N, K] row-major, values in [-127, 127]. */
  readonly weights: Int8Array;
  /** Element of `weights` where W starts; default 0. */
  readonly offset?: number;
  /** [N] scales (from element `scalesOffset`): W[n, k] ≈ weights[n, k] · scales[n]. */
  readonly scales: Float32Array;
  /** Element of `scales` for row 0; default 0. */
  readonly scalesOffset?: number;
  /** K. */
  readonly rows: number;
  /** N. */
  readonly cols: number;
}

/**
 * Arguments of {@link Backend.gemmQ8}: C [m, N] = A [m, K] · Wᵀ (+ bias) (+ C), A quantized per row on the
 * fly, products summed in int32, dequantized in float32, exactly as `tensor/quant.ts` specifies. Shapes,
 * offsets and strides as {@link GemmArgs}.
 */
export interface GemmQ8Args extends Omit<GemmArgs, 'b'> {
  /** W packed by {@link Backend.packQ8} (of this backend or another of this library's backends). */
  readonly b: PackedQ8Matrix;
}

/**
 * Arguments of {@link Backend.dotQ8}: the raw int32 accumulators C[i, n] = Σ_k A[i, k] · W[n, k] of
 * already quantized activations, what {@link Backend.gemmQ8} dequantizes (exposed so that backends can be
 * checked to agree bit for bit).
 */
export interface DotQ8Args {
  readonly m: number;
  /** A [m, K]: element (i, k) at `a[aOffset + i * aStride + k]`, each within ±activationLimit(K). */
  readonly a: Int16Array;
  readonly aOffset?: number;
  /** Default K. */
  readonly aStride?: number;
  readonly b: PackedQ8Matrix;
  /** C [m, N]: element (i, n) at `out[outOffset + i * outStride + n]`. */
  readonly out: Int32Array;
  readonly outOffset?: number;
  /** Default N. */
  readonly outStride?: number;
}

/** Arguments of {@link Backend.add}: out[i] = a[i] + b[i] over `length` elements; `out` may alias `a` or `b`. */
export interface AddArgs {
  readonly a: Float32Array;
  /** Element of `a` to start at; default 0. */
  readonly aOffset?: number;
  readonly b: Float32Array;
  /** Element of `b` to start at; default 0. */
  readonly bOffset?: number;
  readonly out: Float32Array;
  /** Element of `out` to start at; default 0. */
  readonly outOffset?: number;
  /** Elements to add; default the rest of `a` (`a.length - aOffset`). */
  readonly length?: number;
}

/** Arguments of {@link Backend.scaleRows}: x[r, :] *= rowScale[r] for x viewed as [rows, cols]. */
export interface ScaleRowsArgs {
  /** [rows, cols], scaled in place. */
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** [rows] factors, e.g. an attention mask of 0/1 to zero padded positions. */
  readonly rowScale: ArrayLike<number>;
}

/**
 * Arguments of {@link Backend.layerNorm}: over the last axis, out = (x - mean) / sqrt(var + eps) · gamma + beta
 * with the biased variance (as torch computes it).
 */
export interface LayerNormArgs {
  /** [rows, cols]. */
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** [cols] scale (the LayerNorm's `weight`). */
  readonly gamma: Float32Array;
  /** [cols] shift (the LayerNorm's `bias`). */
  readonly beta: Float32Array;
  /** Added to the variance inside the square root. */
  readonly eps: number;
  /** [rows, cols]; may be `x` itself (in place). */
  readonly out: Float32Array;
}

/**
 * Arguments of {@link Backend.maskedSoftmax}: softmax over the last axis of x [rows, cols] in place, with
 * DeBERTa's XSoftmax masking: entry (i, j) takes part only when `mask[maskOffset + i]` and
 * `mask[maskOffset + j]` are both non-zero; excluded entries get 0, and a row with nothing left is all 0.
 */
export interface MaskedSoftmaxArgs {
  readonly x: Float32Array;
  /** Element of `x` where the [rows, cols] block starts; default 0. */
  readonly offset?: number;
  readonly rows: number;
  readonly cols: number;
  /** 1 for tokens, 0 for padding; default none (a plain softmax). */
  readonly mask?: Uint8Array | null;
  /** Element of `mask` for row and column 0 (a sequence's first token); default 0. */
  readonly maskOffset?: number;
}

/** Arguments of {@link Backend.activate}: applies `activation` to `x[offset, offset + length)` in place. */
export interface ActivateArgs {
  readonly activation: Activation;
  readonly x: Float32Array;
  /** First element; default 0. */
  readonly offset?: number;
  /** Elements; default the rest of `x`. */
  readonly length?: number;
}

/** Arguments of {@link Backend.embeddingGather}: out[t, :] = table[ids[t], :] (or += with `accumulate`). */
export interface EmbeddingGatherArgs {
  /** [rows, cols]. */
  readonly table: Float32Array;
  readonly cols: number;
  /** [tokens] row indices, already validated against the table. */
  readonly ids: Int32Array;
  /** [tokens, cols]. */
  readonly out: Float32Array;
  /** Add the rows to what `out` holds; default false (copy). */
  readonly accumulate?: boolean;
}

/**
 * Arguments of {@link Backend.addGatheredScores}: adds a relative-position term, gathered through `index`,
 * to the attention scores of one (sequence, head) [queryLength, keyLength]:
 *
 * - c2p (`byKey` false): scores[i, j] += scale · src[i, index[i, j]]   (src rows are queries, index [queryLength, keyLength])
 * - p2c (`byKey` true):  scores[i, j] += scale · src[j, index[j, i]]   (src rows are keys, index [keyLength, queryLength]:
 *   the gather runs along the key's own row and is then transposed, as torch.gather(...).transpose does)
 */
export interface GatheredScoresArgs {
  /** Scores [queryLength, keyLength], updated in place. */
  readonly scores: Float32Array;
  /** Element of `scores` where the block starts; default 0. */
  readonly scoresOffset?: number;
  readonly queryLength: number;
  readonly keyLength: number;
  /** The projected relative rows per query (c2p) or per key (p2c). */
  readonly src: Float32Array;
  /** Element of `src` where its row 0 starts; default 0. */
  readonly srcOffset?: number;
  /** Elements between rows of `src` (the number of relative positions it holds). */
  readonly srcStride: number;
  /** Which relative position each (query, key) pair reads; see the layout above. */
  readonly index: Int32Array;
  readonly scale: number;
  /** p2c (gather along key rows, then transpose) rather than c2p. */
  readonly byKey: boolean;
}

/**
 * Arguments of {@link Backend.conv1d}: a 1-D convolution over the sequence axis of a channels-last
 * [length, inChannels] input, as torch's Conv1d(inChannels, outChannels, kernelSize,
 * padding = (kernelSize - 1) / 2, groups) computes it on the transposed input; out is [length, outChannels].
 */
export interface Conv1dArgs {
  /** [length, inChannels]. */
  readonly x: Float32Array;
  /** Element of `x` where the sequence starts; default 0. */
  readonly xOffset?: number;
  readonly length: number;
  readonly inChannels: number;
  /** [outChannels, inChannels / groups, kernelSize], torch's layout. */
  readonly weight: Float32Array;
  /** [outChannels], or null. */
  readonly bias: Float32Array | null;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly groups: number;
  /** [length, outChannels]. */
  readonly out: Float32Array;
  /** Element of `out` where the result starts; default 0. */
  readonly outOffset?: number;
}

/**
 * Arguments of {@link Backend.lstm}: one direction of one layer of torch's `nn.LSTM` over one sequence
 * x [length, inputSize], from zero initial hidden and cell states, with PyTorch's gate order (i, f, g, o) in
 * the 4·hiddenSize rows of the weights; h_t is written to row t of `out` (also when `reverse`).
 */
export interface LstmArgs {
  /** The sequence [length, inputSize]. */
  readonly x: Float32Array;
  /** Element of `x` where row 0 starts; default 0. */
  readonly xOffset?: number;
  /** Elements between rows of `x`; default `inputSize`. */
  readonly xStride?: number;
  readonly length: number;
  readonly inputSize: number;
  /** H: the width of the hidden and cell states. */
  readonly hiddenSize: number;
  /** [4H, inputSize] (torch's `weight_ih_l0`, or `weight_ih_l0_reverse`). */
  readonly weightIh: Float32Array;
  /** [4H, H] (`weight_hh_l0`). */
  readonly weightHh: Float32Array;
  /** [4H] (`bias_ih_l0`), or null. */
  readonly biasIh: Float32Array | null;
  /** [4H] (`bias_hh_l0`), or null. */
  readonly biasHh: Float32Array | null;
  /** Run from the last step to the first (the backward direction of a bidirectional LSTM). */
  readonly reverse: boolean;
  /** Receives h_t in row t: `out[outOffset + t * outStride + j]`, j < H; nothing else is written. */
  readonly out: Float32Array;
  /** Element of `out` where row 0 starts; default 0. */
  readonly outOffset?: number;
  /** Elements between rows of `out`; default H. */
  readonly outStride?: number;
}

/** The relative-position terms of disentangled attention. */
export interface RelativeTerms {
  /**
   * c2p: per head h, posK_hᵀ packed as B [headSize, rows] (`packB({ source: posK, rows: headSize, cols: rows,
   * transposed: true, offset: h · headSize, stride: heads · headSize })`), or null without c2p.
   */
  readonly posK: readonly PackedMatrix[] | null;
  /** p2c: per head, posQ_hᵀ packed the same way, or null without p2c. */
  readonly posQ: readonly PackedMatrix[] | null;
  /** [length, length] indices into the relative rows for c2p (query-major). */
  readonly c2p: Int32Array;
  /** [length, length] indices for p2c (key-major, as HF gathers it). */
  readonly p2c: Int32Array;
}

/**
 * Arguments of {@link Backend.attention}: disentangled self-attention of every (sequence, head),
 *
 *   score = (Q Kᵀ + c2p + p2c) · scale,   c2p[i, j] = Q_i · posK[c2p(i, j)],   p2c[i, j] = K_j · posQ[p2c(j, i)]
 *
 * then XSoftmax under `mask` and the product with V.
 */
export interface AttentionArgs {
  /** Queries [batch, length, heads · headSize]. */
  readonly q: Float32Array;
  /** Keys [batch, length, heads · headSize]. */
  readonly k: Float32Array;
  /** Values [batch, length, heads · headSize]. */
  readonly v: Float32Array;
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headSize: number;
  /** Multiplies every score term: 1 / sqrt(headSize · (1 + number of relative terms)). */
  readonly scale: number;
  /** [batch, length], 1 for tokens and 0 for padding (XSoftmax). */
  readonly mask: Uint8Array;
  /** The relative-position terms, or null without relative attention. */
  readonly relative: RelativeTerms | null;
  /**
   * Where to write the context [batch, length, heads · headSize] (every element is written, so its old contents
   * do not matter; a reused buffer keeps a forward from allocating). Default: a new array.
   */
  readonly out?: Float32Array;
}

/**
 * The operations a model runs. Each op's exact semantics are those of its reference implementation in
 * `tensor/js/`; every backend is tested against it.
 */
export interface Backend {
  /** Names the backend in benchmarks, tests and messages. */
  readonly name: string;
  /**
   * Whether {@link gemm} and {@link gemmQ8} honour their `activation` argument (this library's backends do).
   * Without it, models apply activations with a separate {@link activate} call.
   */
  readonly appliesActivation?: boolean;
  /** Packs B once (a weight, at load) for any number of {@link gemm} calls. */
  packB(args: PackArgs): PackedMatrix;
  /** C = A · B (+ bias) (+ C when accumulating). */
  gemm(args: GemmArgs): void;
  /**
   * Packs int8 weights once for {@link gemmQ8}. The three integer ops are optional: a backend without
   * them runs `dtype: 'q8'` models' matmuls on the TypeScript reference (`tensor/js/matmul-q8.ts`).
   */
  packQ8?(args: PackQ8Args): PackedQ8Matrix;
  /** C = quantize(A) · Wᵀ dequantized (+ bias) (+ C): the matmul of `dtype: 'q8'` models. */
  gemmQ8?(args: GemmQ8Args): void;
  /** The int32 accumulators of quantized A against packed int8 W. */
  dotQ8?(args: DotQ8Args): void;
  /** Elementwise sum. */
  add(args: AddArgs): void;
  /** Scales each row of a matrix by its own factor. */
  scaleRows(args: ScaleRowsArgs): void;
  /** LayerNorm over the last axis. */
  layerNorm(args: LayerNormArgs): void;
  /** XSoftmax over the last axis, in place. */
  maskedSoftmax(args: MaskedSoftmaxArgs): void;
  /** An activation function, in place. */
  activate(args: ActivateArgs): void;
  /** Table rows by index (embedding lookup). */
  embeddingGather(args: EmbeddingGatherArgs): void;
  /** Adds a gathered relative-position term (c2p or p2c) to attention scores. */
  addGatheredScores(args: GatheredScoresArgs): void;
  /** Same-padded 1-D convolution over the sequence (v2's conv branch). */
  conv1d(args: Conv1dArgs): void;
  /** One direction of an LSTM layer over one sequence (GLiNER's BiLSTM). */
  lstm(args: LstmArgs): void;
  /** Disentangled self-attention of every sequence and head; returns the context [batch, length, heads · headSize]. */
  attention(args: AttentionArgs): Float32Array;
  /**
   * A buffer of `length` floats in memory the kernels read and write in place (the wasm backend's shared
   * memory), for activations a model reuses across calls: ops given such buffers skip copying them in and
   * out. Optional; undefined when the backend has no such memory (or it is full): callers then use an
   * ordinary array. The buffer stays valid until {@link release}.
   */
  allocate?(length: number): Float32Array | undefined;
  /** Returns a buffer from {@link allocate}; it must not be used afterwards. */
  release?(buffer: Float32Array): void;
  /** Stops worker threads and frees memory, for backends that hold them (see `WasmBackend.dispose`). */
  dispose?(): void;
}
