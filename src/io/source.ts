import { WeightsError } from '../errors.js';

/** Options shared by every `fromPretrained`. */
export interface LoadOptions {
  /** Reserved for the loading issue: Hub URL, revision, fetch override, progress, abort. */
  signal?: AbortSignal;
}

/**
 * Where a checkpoint's files come from: a local folder, a URL of a folder or a Hub repository.
 * `read` returns the bytes of one file, or `null` if the source has no such file.
 */
export interface FileSource {
  /** A human-readable name (path or URL) used in error messages. */
  readonly name: string;
  read(file: string): Promise<Uint8Array | null>;
}

/** Resolves what a user passed to `fromPretrained` into a {@link FileSource}. */
export async function resolveSource(source: string | FileSource, _options: LoadOptions = {}): Promise<FileSource> {
  if (typeof source !== 'string') return source;
  const { folderSource } = await import('./node-fs.js');
  return folderSource(source);
}

/** Reads a file that must exist. */
export async function readRequired(source: FileSource, file: string): Promise<Uint8Array> {
  const bytes = await source.read(file);
  if (bytes === null) throw new WeightsError(`${source.name}: missing file ${file}`);
  return bytes;
}

/** Reads and parses a JSON file that must exist. */
export async function readJson(source: FileSource, file: string): Promise<unknown> {
  const bytes = await readRequired(source, file);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new WeightsError(`${source.name}/${file}: invalid JSON (${(e as Error).message})`);
  }
}
