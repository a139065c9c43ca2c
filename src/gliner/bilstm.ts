import type { Backend } from '../tensor/backend.js';
import type { Weights } from '../model/weights.js';

/**
 * GLiNER's `LstmSeq2SeqEncoder` (`rnn.lstm`): a 1-layer bidirectional `nn.LSTM(H, H/2, batch_first)` over the
 * words of one text; the output row is [forward ; backward], [W, H]. Runs on the backend's `lstm` op.
 */
export class BiLstm {
  private readonly half: number;
  private readonly dirs: ReadonlyArray<{ ih: Float32Array; hh: Float32Array; bih: Float32Array; bhh: Float32Array }>;

  constructor(private readonly backend: Backend, w: Weights, private readonly hiddenSize: number) {
    const half = hiddenSize / 2;
    this.half = half;
    this.dirs = ['', '_reverse'].map((sfx) => ({
      ih: w.get(`weight_ih_l0${sfx}`, [4 * half, hiddenSize]).data,
      hh: w.get(`weight_hh_l0${sfx}`, [4 * half, half]).data,
      bih: w.get(`bias_ih_l0${sfx}`, [4 * half]).data,
      bhh: w.get(`bias_hh_l0${sfx}`, [4 * half]).data,
    }));
  }

  /** x [length, H] -> [length, H]. */
  forward(x: Float32Array, length: number): Float32Array {
    const H = this.hiddenSize;
    const out = new Float32Array(length * H);
    this.dirs.forEach((d, i) => {
      this.backend.lstm({
        x,
        length,
        inputSize: H,
        hiddenSize: this.half,
        weightIh: d.ih,
        weightHh: d.hh,
        biasIh: d.bih,
        biasHh: d.bhh,
        reverse: i === 1,
        out,
        outOffset: i * this.half,
        outStride: H,
      });
    });
    return out;
  }
}
