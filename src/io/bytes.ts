import { InputError } from '../errors.js';
import { describe } from '../options.js';

/** The bytes argument of a parser (`readSafetensors`, `readTorchBin`, ...) must be a Uint8Array (a Buffer is one). */
export function checkBytes(bytes: unknown, call: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InputError(`${call}: bytes must be a Uint8Array with the file's contents, got ${describe(bytes)}`);
}
