import type { Backend } from '../tensor/backend.js';
import type { Weights } from '../model/weights.js';
import { Mlp } from './mlp.js';
import { spanCandidates } from './processor.js';

/**
 * GLiNER's span head for `markerV0` (`span_rep_layer.span_rep_layer` and `prompt_rep_layer`):
 * span_rep[s, k] = out_project(ReLU([project_start(w_s) ; project_end(w_{s+k})])), q = prompt_rep_layer(labels),
 * logits[s, k, c] = span_rep[s, k] · q[c]. Invalid spans (s + k past the last word) use span (0, 0).
 */
export class SpanHead {
  private readonly start: Mlp;
  private readonly end: Mlp;
  private readonly out: Mlp;
  private readonly prompt: Mlp;

  /**
   * @param spanWeights `span_rep_layer.span_rep_layer`
   * @param promptWeights `prompt_rep_layer`
   */
  constructor(private readonly backend: Backend, spanWeights: Weights, promptWeights: Weights, private readonly hiddenSize: number, private readonly maxWidth: number) {
    const H = hiddenSize;
    this.start = new Mlp(backend, spanWeights.scope('project_start'), H, H);
    this.end = new Mlp(backend, spanWeights.scope('project_end'), H, H);
    this.out = new Mlp(backend, spanWeights.scope('out_project'), 2 * H, H);
    this.prompt = new Mlp(backend, promptWeights, H, H);
  }

  /** words [W, H], labels [C, H] -> logits [W, maxWidth, C]. */
  forward(words: Float32Array, numWords: number, labels: Float32Array, numLabels: number): Float32Array {
    const H = this.hiddenSize;
    const K = this.maxWidth;
    const start = this.start.forward(words, numWords);
    const end = this.end.forward(words, numWords);
    const { spanIdx } = spanCandidates(numWords, K);
    const n = numWords * K;
    const x = new Float32Array(n * 2 * H);
    for (let i = 0; i < n; i++) {
      const o = i * 2 * H; // [start[s] ; end[e]] of span i
      const so = spanIdx[2 * i] * H;
      const eo = spanIdx[2 * i + 1] * H;
      for (let j = 0; j < H; j++) {
        x[o + j] = start[so + j];
        x[o + H + j] = end[eo + j];
      }
    }
    this.backend.activate({ activation: 'relu', x });
    const spans = this.out.forward(x, n);
    const q = this.prompt.forward(labels, numLabels);
    const logits = new Float32Array(n * numLabels);
    const qT = this.backend.packB({ source: q, rows: H, cols: numLabels, transposed: true });
    try {
      this.backend.gemm({ m: n, a: spans, b: qT, out: logits });
    } finally {
      qT.dispose();
    }
    return logits;
  }

  dispose(): void {
    for (const m of [this.start, this.end, this.out, this.prompt]) m.dispose();
  }
}
