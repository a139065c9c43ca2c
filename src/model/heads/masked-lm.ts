import { InputError, WeightsError } from '../../errors.js';
import { describe, type OptionKeys } from '../../options.js';
import type { Backend } from '../../tensor/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DebertaConfig } from '../config.js';
import type { ModelInputs } from '../inputs.js';
import { DebertaTaskModel, type HeadForwardOptions, type LogitsOutput } from './base.js';
import { enhancedMaskDecoder, enhancedMaskDecoderPacked } from './enhanced-mask-decoder.js';
import { unpackRows } from '../packing.js';
import { LMPredictionHead } from './lm-head.js';
import type { Weights } from '../weights.js';

/** Options of {@link DebertaForMaskedLM.forward}. */
export interface MaskedLMForwardOptions extends HeadForwardOptions {
  /**
   * `'standard'` (default): the LM head on the last hidden state, as transformers computes it.
   * `'emd'`: microsoft's Enhanced Mask Decoder (needs the absolute position embeddings in the checkpoint).
   */
  decoder?: 'standard' | 'emd';
  /**
   * Compute logits only at these [batch, position] pairs (e.g. the masks of a fill-mask call) instead of at
   * every position; `logits` is then [positions.length, vocab].
   */
  positions?: Array<[number, number]>;
}

const MASKED_LM_FORWARD_OPTION_KEYS: OptionKeys<MaskedLMForwardOptions> = {
  outputHiddenStates: true,
  outputAttentions: true,
  outputAttentionTerms: true,
  decoder: true,
  positions: true,
  padding: true,
};

/**
 * Masked language modelling. The head layout is chosen by the checkpoint's keys: transformers' legacy
 * `cls.predictions.*`, or microsoft's `lm_predictions.lm_head.*` (what the official microsoft/* checkpoints
 * carry, and what transformers 4.x silently drops, leaving a random head). When both exist,
 * `config.legacy` picks (default true).
 */
export class DebertaForMaskedLM extends DebertaTaskModel {
  readonly lmHead: LMPredictionHead;

  constructor(config: DebertaConfig, weights: Weights, backend?: Backend, ownsBackend?: boolean) {
    super(config, weights, backend, ownsBackend);
    const w = this.headWeights;
    const legacy = w.has('cls.predictions.transform.dense.weight');
    const microsoft = w.has('lm_predictions.lm_head.dense.weight');
    if (!legacy && !microsoft) {
      throw new WeightsError(`${weights.source}: no masked-LM head: expected "cls.predictions.transform.dense.weight" (transformers) or "lm_predictions.lm_head.dense.weight" (microsoft)`);
    }
    const layout = legacy && (!microsoft || config.legacy) ? 'legacy' : 'lm_predictions';
    this.lmHead = new LMPredictionHead(this.backend, config, w, layout, this.deberta.embeddings.wordEmbeddings);
  }

  protected headModules() {
    return [this.lmHead];
  }

  /** logits [batch, seq, vocab] (or [positions, vocab] when `positions` is given). */
  async forward(inputs: ModelInputs, options?: MaskedLMForwardOptions): Promise<LogitsOutput> {
    options = this.forwardOptions(options, MASKED_LM_FORWARD_OPTION_KEYS);
    const decoder = options.decoder ?? 'standard';
    if (decoder !== 'standard' && decoder !== 'emd') throw new InputError(`DebertaForMaskedLM.forward: decoder must be 'standard' or 'emd', got ${describe(decoder)}`);
    const positions = checkPositions(options.positions);
    return this.compute(() => {
      const run = this.runBackbone(inputs, options);
      const { batch, length } = run.inputs;
      const V = this.config.vocabSize;
      const H = this.config.hiddenSize;
      const at = positions?.map(([b, t], i) => checkPosition(b, t, i, batch, length)); // indices in the padded batch
      // The states the head reads, and (packed, padding 'skip') the row each padded-batch position reads.
      const top = run.states[run.states.length - 1];
      const { q, rows, rowOf } =
        run.packed !== undefined
          ? decoder === 'emd'
            ? enhancedMaskDecoderPacked(this.deberta, run, run.packed, at)
            : { q: top, rows: run.packed.rows, rowOf: run.packed.rowOf }
          : { q: decoder === 'emd' ? enhancedMaskDecoder(this.deberta, run) : top, rows: batch * length, rowOf: null };
      if (at !== undefined) {
        const picked = new Float32Array(at.length * H);
        at.forEach((i, k) => {
          const r = rowOf === null ? i : rowOf[i];
          picked.set(q.subarray(r * H, (r + 1) * H), k * H);
        });
        return { logits: new Tensor(this.lmHead.forward(picked, at.length), [at.length, V]), ...this.backboneOutputs(run, options) };
      }
      const logits = this.lmHead.forward(q, rows);
      return { logits: new Tensor(rowOf === null ? logits : unpackRows(logits, V, rowOf), [batch, length, V]), ...this.backboneOutputs(run, options) };
    });
  }
}

/** positions[i] = [b, t] checked against the batch: its index b · length + t in the padded batch. */
function checkPosition(b: number, t: number, i: number, batch: number, length: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(t) || b < 0 || b >= batch || t < 0 || t >= length) {
    throw new InputError(`positions[${i}] = [${b}, ${t}] is outside [batch ${batch}, seq ${length}]`);
  }
  return b * length + t;
}

/** `positions` must be an array of [batch, position] pairs; their ranges are checked against the batch later. */
function checkPositions(positions: unknown): Array<[number, number]> | undefined {
  if (positions === undefined) return undefined;
  const where = 'DebertaForMaskedLM.forward: positions';
  if (!Array.isArray(positions)) throw new InputError(`${where} must be an array of [batch, position] pairs, got ${describe(positions)}`);
  for (let i = 0; i < positions.length; i++) {
    const p: unknown = positions[i];
    if (!Array.isArray(p) || p.length !== 2) throw new InputError(`${where}[${i}] must be a [batch, position] pair, got ${describe(p)}`);
  }
  return positions as Array<[number, number]>;
}
