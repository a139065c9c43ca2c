import type { Backend } from '../tensor/backend.js';
import type { AttentionInput } from './attention.js';
import type { DebertaConfig } from './config.js';
import { LayerNorm } from './layer-norm.js';
import type { PackedLayout } from './packing.js';
import type { Weights } from './weights.js';

/**
 * v2's convolution branch (`encoder.conv`, deberta-v2-xlarge), applied once after layer 0:
 *
 *   c   = act(Conv1d(x) with padded positions zeroed)     x = the embeddings output (layer 0's input)
 *   out = LN(layer0_output + c) × mask
 */
export class ConvLayer {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly norm: LayerNorm;

  constructor(private readonly backend: Backend, private readonly config: DebertaConfig, w: Weights) {
    const H = config.hiddenSize;
    this.weight = w.get('conv.weight', [H, H / config.convGroups, config.convKernelSize]).data;
    this.bias = w.get('conv.bias', [H]).data;
    this.norm = new LayerNorm(backend, w.scope('LayerNorm'), H, config.layerNormEps);
  }

  forward(x: Float32Array, residual: Float32Array, { batch, length, mask }: AttentionInput): Float32Array {
    const K = this.backend;
    const { hiddenSize: H, convKernelSize, convGroups } = this.config;
    const c = new Float32Array(batch * length * H); // [batch, length, hidden]
    for (let b = 0; b < batch; b++) {
      const at = b * length * H; // sequence b
      K.conv1d({
        x, xOffset: at, length, inChannels: H, weight: this.weight, bias: this.bias,
        outChannels: H, kernelSize: convKernelSize, groups: convGroups, out: c, outOffset: at,
      });
    }
    return this.finish(c, residual, batch * length, mask);
  }

  /**
   * The packed path (model/packing.ts): x, residual [layout.rows, hidden]. Each sequence's span is convolved on
   * its own; beyond it the padded path has padded positions, which are 0 in x, as the convolution's padding is.
   */
  forwardPacked(x: Float32Array, residual: Float32Array, layout: PackedLayout): Float32Array {
    const { hiddenSize: H, convKernelSize, convGroups } = this.config;
    const c = new Float32Array(layout.rows * H); // [rows, hidden]
    for (let b = 0; b < layout.batch; b++) {
      if (layout.count[b] === 0) continue;
      const at = layout.start[b] * H; // sequence b's span
      this.backend.conv1d({
        x, xOffset: at, length: layout.count[b], inChannels: H, weight: this.weight, bias: this.bias,
        outChannels: H, kernelSize: convKernelSize, groups: convGroups, out: c, outOffset: at,
      });
    }
    return this.finish(c, residual, layout.rows, layout.mask);
  }

  /** LN(residual + act(c masked)) masked, in c. */
  private finish(c: Float32Array, residual: Float32Array, rows: number, mask: Uint8Array): Float32Array {
    const K = this.backend;
    const { hiddenSize: H, convAct } = this.config;
    K.scaleRows({ x: c, rows, cols: H, rowScale: mask });
    K.activate({ activation: convAct, x: c });
    K.add({ a: c, b: residual, out: c });
    this.norm.forward(c);
    K.scaleRows({ x: c, rows, cols: H, rowScale: mask });
    return c;
  }
}
