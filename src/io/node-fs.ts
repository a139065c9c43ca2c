// The only module that imports Node built-ins; browser builds replace it with node-fs.browser.ts.
// Imported only lazily (`await import`), so Node built-ins load on first use of a folder or saveJson; and it
// holds file-system primitives only, depending on nothing but types and errors, so io/ stays free of cycles.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightsError } from '../errors.js';
import type { FileSource, RangeReader } from './file-source.js';
import type { LoadOptions } from './load-options.js';

// Large enough that per-call overhead vanishes, small enough for smooth progress and prompt aborts.
const CHUNK = 16 * 1024 * 1024;

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer (the file is then
// refused as not regular); regular files ignore it. Windows defines no O_NONBLOCK and has no FIFOs.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Whether `path` names an existing folder. */
export async function isFolder(path: string): Promise<boolean> {
  const info = await stat(toPath(path)).catch(() => null);
  return info !== null && info.isDirectory();
}

/**
 * A {@link FileSource} over a local folder. Each file is read in chunks into one buffer of its exact
 * size, reporting progress and honouring the abort signal before opening, after opening and between chunks.
 * Only regular files (or symlinks to them) are read: a FIFO, socket or device named like a weights file
 * would block or never end, so it is a {@link WeightsError} instead.
 */
export async function folderSource(dir: string, options: LoadOptions = {}): Promise<FileSource> {
  const root = toPath(dir);
  if (!(await isFolder(root))) throw new WeightsError(`${dir}: no such folder (nor a Hub id of the form owner/name)`);
  return {
    name: dir,
    where: (file) => join(root, file),
    read: (file) => readFileChunked(join(root, file), file, options),
    ranges: (file) => rangeReader(join(root, file), file, options),
  };
}

/**
 * Random access to a regular file, opened anew for each read (so nothing stays open once the model is
 * built): every read checks the file is still regular and has the size and modification time it had here,
 * honours the abort signal, and reports progress as the bytes read so far (a tensor read twice counts twice,
 * up to the size), then the whole file on `finish` (reads after it still work, unreported).
 */
async function rangeReader(path: string, file: string, { signal, onProgress }: LoadOptions): Promise<RangeReader | null> {
  signal?.throwIfAborted();
  let info: Stats;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new WeightsError(`${path}: cannot open (${(e as Error).message})`);
  }
  checkRegular(info, path);
  const { size, mtimeMs } = info;
  let loaded = 0, finished = false;
  return {
    size,
    read(position: number, length: number): Uint8Array<ArrayBuffer> {
      signal?.throwIfAborted();
      if (position < 0 || length < 0 || position + length > size) throw new RangeError(`${path}: bytes [${position}, ${position + length}) are outside the file (${size} bytes)`);
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(length);
      } catch {
        throw new WeightsError(`${path}: cannot allocate ${length} bytes`);
      }
      let fd: number;
      try {
        fd = openSync(path, READ_FLAGS);
      } catch (e) {
        throw new WeightsError(`${path}: cannot open (${(e as Error).message})`);
      }
      try {
        const now = fstatSync(fd);
        checkRegular(now, path);
        if (now.size !== size || now.mtimeMs !== mtimeMs) throw new WeightsError(`${path}: the file changed while the model was loading from it`);
        for (let done = 0; done < length;) {
          const n = readSync(fd, bytes, done, length - done, position + done);
          if (n === 0) throw new WeightsError(`${path}: file shrank while being read (${position + done} of ${size} bytes)`);
          done += n;
        }
      } catch (e) {
        if (e instanceof WeightsError) throw e;
        throw new WeightsError(`${path}: read failed (${(e as Error).message})`);
      } finally {
        closeSync(fd);
      }
      loaded = Math.min(loaded + length, size);
      if (!finished) onProgress?.({ file, loaded, total: size });
      return bytes;
    },
    finish(): void {
      if (finished) return;
      finished = true;
      if (loaded < size) onProgress?.({ file, loaded: size, total: size }); // unless the last read already said so
    },
  };
}

async function readFileChunked(path: string, file: string, { signal, onProgress }: LoadOptions): Promise<Uint8Array | null> {
  signal?.throwIfAborted();
  let handle;
  try {
    // Checked before opening too, because opening a FIFO without O_NONBLOCK blocks until a writer appears.
    checkRegular(await stat(path), path);
    signal?.throwIfAborted();
    handle = await open(path, READ_FLAGS);
  } catch (e) {
    signal?.throwIfAborted();
    if (e instanceof WeightsError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new WeightsError(`${path}: cannot open (${(e as Error).message})`);
  }
  try {
    signal?.throwIfAborted();
    // Again on the open file: the path may have been replaced since the first check.
    const info = await handle.stat();
    checkRegular(info, path);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(info.size);
    } catch {
      throw new WeightsError(`${path}: cannot allocate ${info.size} bytes`);
    }
    onProgress?.({ file, loaded: 0, total: bytes.length });
    let loaded = 0;
    while (loaded < bytes.length) {
      const { bytesRead } = await handle.read(bytes, loaded, Math.min(CHUNK, bytes.length - loaded), loaded);
      signal?.throwIfAborted();
      if (bytesRead === 0) throw new WeightsError(`${path}: file shrank while being read (${loaded} of ${bytes.length} bytes)`);
      loaded += bytesRead;
      onProgress?.({ file, loaded, total: bytes.length });
    }
    return bytes;
  } catch (e) {
    signal?.throwIfAborted();
    if (e instanceof WeightsError) throw e;
    throw new WeightsError(`${path}: read failed (${(e as Error).message})`);
  } finally {
    await handle.close();
  }
}

function checkRegular(info: Stats, path: string): void {
  if (info.isFile()) return;
  const kind = info.isFIFO() ? 'a FIFO'
    : info.isSocket() ? 'a socket'
    : info.isCharacterDevice() ? 'a character device'
    : info.isBlockDevice() ? 'a block device'
    : info.isDirectory() ? 'a folder'
    : 'an unknown file type';
  throw new WeightsError(`${path}: not a regular file (${kind})`);
}

/** Writes `text` to `path` as UTF-8, replacing any existing file. */
export async function writeTextFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, 'utf8');
}

function toPath(p: string): string {
  return /^file:/i.test(p) ? fileURLToPath(p) : p;
}

/** Writes `bytes` to `file` inside `folder`, creating the folder (and parents) first. */
export async function writeFolderFile(folder: string, file: string, bytes: Uint8Array): Promise<void> {
  const path = join(toPath(folder), file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}
