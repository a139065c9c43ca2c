// Local folders: only regular files (or symlinks to them) are read, nothing blocks, and every abort point
// rejects with the signal's reason.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { LoadProgress } from '../../src/io/load-options.js';
import { resolveSource } from '../../src/io/resolve.js';
import { expectSameTensors, modelDir } from './helpers.js';

const V1 = modelDir('v1_base');
const root = mkdtempSync(join(tmpdir(), 'deberta-local-'));

/** A checkpoint folder with a real config.json and `model.safetensors` made by `make`. */
function folder(name: string, make: (path: string) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  copyFileSync(join(V1, 'config.json'), join(dir, 'config.json'));
  make(join(dir, 'model.safetensors'));
  return dir;
}

const fifos: string[] = [];
const mkfifo = (path: string): void => {
  execFileSync('mkfifo', [path]);
  fifos.push(path);
};

afterAll(() => {
  // Should a regression leave a read blocked in open(), a writer appearing releases it.
  for (const fifo of fifos) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader is waiting, as it should be.
    }
  }
  rmSync(root, { recursive: true, force: true });
});

async function rejection(load: Promise<unknown>): Promise<Error> {
  const started = Date.now();
  const err = await load.then(() => new Error('loaded without error'), (e: unknown) => e as Error);
  expect(Date.now() - started).toBeLessThan(2000);
  return err;
}

describe('non-regular files are refused, without blocking', () => {
  it('a FIFO named model.safetensors is a WeightsError, with or without a signal', async () => {
    const dir = folder('fifo', mkfifo);
    const path = join(dir, 'model.safetensors');
    for (const options of [{}, { signal: new AbortController().signal }]) {
      const err = await rejection(loadCheckpoint(dir, options));
      expect(err).toBeInstanceOf(WeightsError);
      expect(err.message).toBe(`${path}: not a regular file (a FIFO)`);
    }
  }, 10_000);

  it('a FIFO named config.json is refused too', async () => {
    const dir = join(root, 'fifo-config');
    mkdirSync(dir);
    mkfifo(join(dir, 'config.json'));
    const err = await rejection(loadCheckpoint(dir));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toBe(`${join(dir, 'config.json')}: not a regular file (a FIFO)`);
  }, 10_000);

  it('a symlink to a character device (/dev/zero) is refused; one to a regular file loads', async () => {
    const device = folder('device', (p) => symlinkSync('/dev/zero', p));
    const err = await rejection(loadCheckpoint(device));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toBe(`${join(device, 'model.safetensors')}: not a regular file (a character device)`);

    const linked = folder('symlink', (p) => symlinkSync(join(V1, 'model.safetensors'), p));
    const ckpt = await loadCheckpoint(linked);
    expectSameTensors(ckpt.tensors, (await loadCheckpoint(V1)).tensors);
  }, 10_000);

  it('a folder named model.safetensors is refused', async () => {
    const dir = folder('dir', (p) => mkdirSync(p));
    const err = await rejection(loadCheckpoint(dir));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toBe(`${join(dir, 'model.safetensors')}: not a regular file (a folder)`);
  });
});

describe('aborting a local read', () => {
  it('an already aborted signal rejects with its reason', async () => {
    const reason = new Error('stop');
    await expect(loadCheckpoint(V1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('a signal aborted after the folder resolved rejects the next read with its reason', async () => {
    const controller = new AbortController();
    const src = await resolveSource(V1, { signal: controller.signal });
    expect((await src.read('config.json'))?.length).toBeGreaterThan(0);
    const reason = new Error('later');
    controller.abort(reason);
    await expect(src.read('config.json')).rejects.toBe(reason);
  });

  it('a signal aborted once the file is open rejects with its reason, and the read stops', async () => {
    const controller = new AbortController();
    const reason = new Error('opened');
    const events: LoadProgress[] = [];
    const src = await resolveSource(V1, {
      signal: controller.signal,
      onProgress: (e) => {
        events.push({ ...e });
        controller.abort(reason);
      },
    });
    await expect(src.read('model.safetensors')).rejects.toBe(reason);
    // The abort came with the first event (0 bytes); one chunk may be in flight, but no more.
    expect(events[0]).toMatchObject({ file: 'model.safetensors', loaded: 0 });
    expect(events.length).toBeLessThanOrEqual(2);
  });
});

describe('regular files', () => {
  it('an empty model.safetensors is read (and rejected by the parser, not the reader)', async () => {
    const dir = folder('empty', (p) => writeFileSync(p, new Uint8Array(0)));
    const err = await rejection(loadCheckpoint(dir));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toBe(`${join(dir, 'model.safetensors')}: file is 0 bytes, too short for a safetensors header`);
  });
});
