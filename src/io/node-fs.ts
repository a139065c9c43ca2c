// The only module that imports Node built-ins; browser builds never reach it.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsError } from '../errors.js';
import type { FileSource } from './source.js';

/** A {@link FileSource} over a local folder. */
export async function folderSource(dir: string): Promise<FileSource> {
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) throw new WeightsError(`${dir}: not a folder`);
  return {
    name: dir,
    async read(file: string): Promise<Uint8Array | null> {
      try {
        return new Uint8Array(await readFile(join(dir, file)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new WeightsError(`${join(dir, file)}: ${(e as Error).message}`);
      }
    },
  };
}
