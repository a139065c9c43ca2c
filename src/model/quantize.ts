/**
 * `deberta quantize`: a float checkpoint rewritten in the q8 scheme (`tensor/quant.ts`), so that `dtype: 'q8'`
 * loads a quarter of the bytes and never holds the float32 weights.
 *
 * Which tensors become int8 is decided by building the model in q8 (on the reference backend, whose packs
 * are views): exactly the tensors its Linear layers and word embeddings quantize at load, no name list to
 * drift. They are stored under their own key as I8 [out, in] with `<key>_scale` F32 [out] beside them;
 * everything else stays float32. Loading the result gives bit-identical outputs to quantizing at load.
 */
import { InputError } from '../errors.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import type { FileSource } from '../io/file-source.js';
import type { LoadOptions } from '../io/load-options.js';
import { Q8_QUANT_METHOD, SCALE_SUFFIX, isQuantizedConfig } from '../io/quantized-format.js';
import { resolveSource } from '../io/resolve.js';
import { toSafetensors } from '../io/safetensors-writer.js';
import { jsBackend } from '../tensor/js/backend.js';
import { Int8Tensor, Tensor } from '../tensor/tensor.js';
import { modelSource, type ModelClass } from './build.js';
import { DebertaModel } from './deberta-model.js';
import { DebertaForQuestionAnswering, DebertaForSequenceClassification, DebertaForTokenClassification } from './heads/classification.js';
import { DebertaForMaskedLM } from './heads/masked-lm.js';
import { DebertaForMultipleChoice } from './heads/multiple-choice.js';

/** A checkpoint in the q8 scheme, in memory: config.json's object and the tensors to write. */
export interface QuantizedCheckpoint {
  /** The source's config.json plus `quantization_config`. */
  readonly config: Record<string, unknown>;
  /** int8 weights, their scales and every other tensor (float32), by key. */
  readonly tensors: ReadonlyMap<string, Tensor | Int8Tensor>;
}

/** Task models by the suffix of a config's `architectures` entry; anything else is built as the backbone. */
const BY_ARCHITECTURE: ReadonlyArray<readonly [RegExp, ModelClass<{ dispose(): void }>]> = [
  [/ForMaskedLM$/, DebertaForMaskedLM],
  [/ForSequenceClassification$/, DebertaForSequenceClassification],
  [/ForTokenClassification$/, DebertaForTokenClassification],
  [/ForQuestionAnswering$/, DebertaForQuestionAnswering],
  [/ForMultipleChoice$/, DebertaForMultipleChoice],
];

/** Files beside the weights that a quantized folder keeps, so that tokenizers and pipelines load from it. */
const TOKENIZER_FILES = ['tokenizer.json', 'spm.model', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json'];

/**
 * Quantizes a float checkpoint (folder, URL, Hub id or FileSource; float32, float16 or bfloat16 weights).
 * A tensor the model does not use (another task's head) stays float; loading it with `dtype: 'q8'`
 * quantizes it then, with the same result.
 *
 * @throws {InputError} when the checkpoint is already quantized
 */
export async function quantizeCheckpoint(source: string | URL | FileSource, options: LoadOptions = {}): Promise<QuantizedCheckpoint> {
  const ckpt = await loadCheckpoint(source, options, 'on-demand');
  if (isQuantizedConfig(ckpt.config)) throw new InputError(`${ckpt.source}: already quantized (${Q8_QUANT_METHOD}); quantize the float checkpoint it was made from`);
  const from = modelSource(ckpt);
  const weights = from.weights.withDtype('q8');
  const architecture = String((ckpt.config as { architectures?: unknown[] }).architectures?.[0] ?? '');
  const cls = BY_ARCHITECTURE.find(([pattern]) => pattern.test(architecture))?.[1] ?? DebertaModel;
  new cls(from.config, weights, jsBackend, false).dispose();
  ckpt.finish?.(); // the float tensors returned below are still read from the file on demand
  const quantized = weights.quantizedTensors;
  const tensors = new Map<string, Tensor | Int8Tensor>();
  for (const [key, t] of ckpt.tensors) {
    const q = quantized.get(key);
    if (q === undefined) {
      tensors.set(key, t);
      continue;
    }
    tensors.set(key, new Int8Tensor(q.data, t.shape));
    tensors.set(key + SCALE_SUFFIX, new Tensor(q.scales, [t.shape[0]]));
  }
  const config = {
    ...(ckpt.config as Record<string, unknown>),
    torch_dtype: 'int8',
    quantization_config: {
      quant_method: Q8_QUANT_METHOD,
      version: 1,
      weights: `int8, symmetric per output row; scale in <name>${SCALE_SUFFIX} (float32); value = int8 * scale`,
      activations: 'dynamic per token at each matmul input, symmetric, up to 14 bits; int32 accumulation',
    },
  };
  return { config, tensors };
}

/**
 * Writes {@link quantizeCheckpoint}'s result to `outFolder` (created if needed): config.json,
 * model.safetensors, and the source's tokenizer files. Node only. Returns the files written.
 */
export async function quantize(source: string | URL | FileSource, outFolder: string, options: LoadOptions = {}): Promise<string[]> {
  if (typeof outFolder !== 'string' || outFolder === '') throw new InputError('quantize: outFolder must be a folder path');
  const { config, tensors } = await quantizeCheckpoint(source, options);
  // Lazy, as every Node-only path: this module stays browser-safe, and browser builds swap in the stub.
  const { writeFolderFile } = await import('../io/node-fs.js');
  const files = await resolveSource(source, options);
  const written: string[] = [];
  const write = async (file: string, bytes: Uint8Array): Promise<void> => {
    await writeFolderFile(outFolder, file, bytes);
    written.push(file);
  };
  await write('model.safetensors', toSafetensors(tensors));
  await write('config.json', new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
  for (const file of TOKENIZER_FILES) {
    const bytes = await files.read(file);
    if (bytes !== null) await write(file, bytes);
  }
  return written;
}
