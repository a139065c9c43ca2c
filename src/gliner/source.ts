/**
 * Reading a GLiNER checkpoint: gliner_config.json, the weights (model.safetensors, which GLiNER prefers, else
 * pytorch_model.bin) and the tokenizer (the repository's own files, else the backbone's named in
 * `model_name`, with GLiNER's added tokens).
 */
import { WeightsError } from '../errors.js';
import { parseJsonBytes } from '../io/bytes.js';
import { guard } from '../io/checkpoint.js';
import { readJson, where, type FileSource } from '../io/file-source.js';
import type { LoadOptions } from '../io/load-options.js';
import { resolveSource } from '../io/resolve.js';
import { readSafetensors, readSafetensorsRanges } from '../io/safetensors.js';
import { readTorchBin } from '../io/torch-bin.js';
import type { TensorMap } from '../tensor/tensor.js';
import { AutoTokenizer, NoTokenizerFilesError, type TokenizerLoadOptions } from '../tokenizers/auto.js';
import type { DebertaTokenizer } from '../tokenizers/tokenizer.js';

/** The tokens GLiNER v0.2 adds to its backbone's tokenizer, in order. */
export const GLINER_ADDED_TOKENS = ['[FLERT]', '<<ENT>>', '<<SEP>>'] as const;

/** gliner_config.json, parsed (not yet checked). */
export async function readGlinerConfigJson(src: FileSource): Promise<unknown> {
  const bytes = await src.read('gliner_config.json');
  if (bytes === null) throw new WeightsError(`${where(src, 'gliner_config.json')}: missing file gliner_config.json; not a GLiNER checkpoint`);
  return parseJsonBytes(bytes, where(src, 'gliner_config.json'));
}

/**
 * The backbone's config.json when gliner_config.json has no `encoder_config` (GLiNER then reads it from the
 * backbone named in `model_name`); undefined when it has one or names no backbone.
 */
export async function readBackboneConfig(glinerConfig: unknown, options: LoadOptions): Promise<unknown> {
  const j = glinerConfig as Record<string, unknown> | null;
  if (j === null || typeof j !== 'object' || (j.encoder_config !== undefined && j.encoder_config !== null)) return undefined;
  if (typeof j.model_name !== 'string' || j.model_name === '') return undefined;
  return readJson(await resolveSource(j.model_name, options), 'config.json');
}

/**
 * The weights, from model.safetensors or else pytorch_model.bin (GLiNER's order). `streamed` (loading for
 * q8) reads model.safetensors tensor by tensor when the source can (see `loadCheckpoint`); then call
 * `finish` once the model is built.
 */
export async function readGlinerWeights(src: FileSource, streamed = false): Promise<{ tensors: TensorMap; file: string; finish?: () => void }> {
  for (const file of ['model.safetensors', 'pytorch_model.bin'] as const) {
    if (streamed && file === 'model.safetensors' && src.ranges !== undefined) {
      const reader = await src.ranges(file);
      if (reader === null) continue;
      const at = where(src, file);
      return { tensors: guard(at, () => readSafetensorsRanges(reader, at).tensors), file, finish: () => reader.finish?.() };
    }
    const bytes = await src.read(file);
    if (bytes === null) continue;
    const at = where(src, file);
    const tensors = guard(at, () => (file === 'model.safetensors' ? readSafetensors(bytes, at) : readTorchBin(bytes, at)));
    return { tensors, file };
  }
  throw new WeightsError(`${src.name}: no weights file found (looked for model.safetensors, pytorch_model.bin)`);
}

/**
 * The checkpoint's tokenizer; when it has no tokenizer files, the backbone's (`modelName`, fetched like any
 * source) with GLiNER's three tokens added after its vocabulary, as GLiNER's `add_tokens` does.
 */
export async function loadGlinerTokenizer(src: FileSource, modelName: string | null, options: TokenizerLoadOptions): Promise<DebertaTokenizer> {
  try {
    return await AutoTokenizer.fromPretrained(src, options);
  } catch (e) {
    if (!(e instanceof NoTokenizerFilesError) || modelName === null) throw e;
  }
  const backbone = await resolveSource(modelName, options);
  const base = await AutoTokenizer.fromPretrained(backbone, options);
  const existing = await backbone.read('added_tokens.json');
  const added: Record<string, number> = existing === null ? {} : (parseJsonBytes(existing, where(backbone, 'added_tokens.json')) as Record<string, number>);
  GLINER_ADDED_TOKENS.forEach((t, i) => (added[t] = base.fullVocabSize + i));
  const withTokens: FileSource = {
    name: `${modelName} (+ GLiNER's tokens)`,
    where: (file) => where(backbone, file),
    read: async (file) => (file === 'added_tokens.json' ? new TextEncoder().encode(JSON.stringify(added)) : backbone.read(file)),
  };
  return AutoTokenizer.fromPretrained(withTokens, options);
}
