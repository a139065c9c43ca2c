// Stands in for node-fs.ts in browser builds, which must not reach Node built-ins; same exports.
import { WeightsError } from '../errors.js';
import type { FileSource } from './file-source.js';
import type { LoadOptions } from './load-options.js';

/** Always false: browsers have no local folders. */
export async function isFolder(_path: string): Promise<boolean> {
  return false;
}

/** Browsers cannot read local folders. */
export async function folderSource(dir: string, _options: LoadOptions = {}): Promise<FileSource> {
  throw new WeightsError(`${dir}: local folders can only be read in Node; pass a URL or a Hub id`);
}

/** Browsers cannot write files. `saveJson` is the only writer, so the message points at its browser alternative. */
export async function writeTextFile(path: string, _text: string): Promise<void> {
  throw new WeightsError(`${path}: saveJson needs Node; use toJson in browsers`);
}

/** Browsers cannot write files: `quantize` (which writes a folder) needs Node; `quantizeCheckpoint` works anywhere. */
export async function writeFolderFile(folder: string, _file: string, _bytes: Uint8Array): Promise<void> {
  throw new WeightsError(`${folder}: writing files needs Node; use quantizeCheckpoint and toSafetensors in browsers`);
}
