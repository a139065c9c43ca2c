import { WeightsError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { readSafetensors } from './safetensors.js';
import { readJson, resolveSource, type FileSource, type LoadOptions } from './source.js';

/** A checkpoint as read from disk or network: the raw config.json object and its named tensors. */
export interface Checkpoint {
  /** Where it came from (folder path or URL), for error messages. */
  source: string;
  /** The parsed config.json. */
  config: unknown;
  /** Tensors by Hugging Face state-dict key, all float32. */
  tensors: TensorMap;
}

/** Loads config.json and the weights of a checkpoint. */
export async function loadCheckpoint(source: string | FileSource, options: LoadOptions = {}): Promise<Checkpoint> {
  const files = await resolveSource(source, options);
  const config = await readJson(files, 'config.json');
  const bytes = await files.read('model.safetensors');
  if (bytes === null) throw new WeightsError(`${files.name}: no model.safetensors`);
  return { source: files.name, config, tensors: readSafetensors(bytes, `${files.name}/model.safetensors`) };
}
