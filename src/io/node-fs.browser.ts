// Stands in for node-fs.ts in browser builds, which must not reach Node built-ins.
import { WeightsError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import type { FileSource, LoadOptions } from './source.js';

/** Always false: browsers have no local folders. */
export async function isFolder(_path: string): Promise<boolean> {
  return false;
}

/** Browsers cannot read local folders. */
export async function folderSource(dir: string, _options: LoadOptions = {}): Promise<FileSource> {
  throw new WeightsError(`${dir}: local folders can only be read in Node; pass a URL or a Hub id`);
}

/** Browsers cannot write files; use `toJson` and offer the string as a download instead. */
export async function saveJson(path: string, _config: unknown, _tensors: TensorMap): Promise<void> {
  throw new WeightsError(`${path}: saveJson needs Node; use toJson in browsers`);
}
