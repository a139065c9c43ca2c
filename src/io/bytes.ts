// A leaf of io/: what the formats and file-source.ts do with a file's raw bytes, shared without importing each other.
import { InputError, WeightsError } from '../errors.js';
import { describe } from '../options.js';

/** The bytes argument of a parser (`readSafetensors`, `readTorchBin`, ...) must be a Uint8Array (a Buffer is one). */
export function checkBytes(bytes: unknown, call: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InputError(`${call}: bytes must be a Uint8Array with the file's contents, got ${describe(bytes)}`);
}

/** Parses JSON bytes, with a {@link WeightsError} naming `file` on failure. */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WeightsError(`${file}: not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeightsError(`${file}: invalid JSON (${(e as Error).message})`);
  }
}
