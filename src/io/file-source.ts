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
