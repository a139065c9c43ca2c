// Imported by the resolver, the sources and the loaders; it imports only bytes.ts from io/, so nothing loops back through it.
import { WeightsError } from '../errors.js';
import { parseJsonBytes } from './bytes.js';

/**
 * Where a checkpoint's files come from: a local folder, a URL of a folder or a Hub repository.
 * `read` returns the bytes of one file, or `null` if the source has no such file.
 */
export interface FileSource {
  /** A human-readable name (path, URL or Hub id) used in error messages. */
  readonly name: string;
  read(file: string): Promise<Uint8Array | null>;
  /** The full path or URL of `file`, for error messages. */
  where?(file: string): string;
  /**
   * Random access to `file` without reading it whole, or `null` if the source has no such file. Loading for
   * `dtype: 'q8'` uses it, when present, to read and quantize one tensor at a time (local folders in Node
   * have it).
   */
  ranges?(file: string): Promise<RangeReader | null>;
}

/**
 * Byte ranges of one file, read synchronously (a model is built synchronously, pulling tensors as it goes).
 * Every read checks that the file is still the one that was opened.
 */
export interface RangeReader {
  /** The file size in bytes. */
  readonly size: number;
  /**
   * Bytes [position, position + length) in a fresh buffer of their own.
   *
   * @throws {WeightsError} naming the file when it cannot be read, has changed, or the load was aborted
   */
  read(position: number, length: number): Uint8Array<ArrayBuffer>;
  /** Called once nothing more will be read: reports the file as loaded (its last progress event). */
  finish?(): void;
}

/** The full path or URL of `file` in `source`, for error messages. */
export function where(source: FileSource, file: string): string {
  return source.where?.(file) ?? `${source.name}/${file}`;
}

/** Reads a file that must exist. */
export async function readRequired(source: FileSource, file: string): Promise<Uint8Array> {
  const bytes = await source.read(file);
  if (bytes === null) throw new WeightsError(`${where(source, file)}: missing file ${file}`);
  return bytes;
}

/** Reads and parses a JSON file that must exist. */
export async function readJson(source: FileSource, file: string): Promise<unknown> {
  return parseJsonBytes(await readRequired(source, file), where(source, file));
}
