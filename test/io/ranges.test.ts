// Reading a checkpoint tensor by tensor (`decode: 'on-demand'`, how dtype q8 loads): a local folder offers
// random access, every tensor is read from disk only when asked for, with the same values as a whole-file
// load, and every read checks the file is still the one that was opened.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import type { LoadProgress } from '../../src/io/load-options.js';
import { resolveSource } from '../../src/io/resolve.js';
import { readSafetensors, readSafetensorsRanges } from '../../src/io/safetensors.js';
import { Tensor, type TensorMap } from '../../src/tensor/tensor.js';
import { expectSameTensors, IO_FIXTURES, memorySource, modelDir, readBytes, writeSafetensors } from './helpers.js';

const V1 = modelDir('v1_base');
const root = mkdtempSync(join(tmpdir(), 'deberta-ranges-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of a fixture folder (config.json + model.safetensors) that a test may modify. */
function copyOf(dir: string, name: string): string {
  const to = join(root, name);
  mkdirSync(to);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(dir, f), join(to, f));
  return to;
}

describe('a local folder reads byte ranges', () => {
  it('reads exactly the bytes asked for, in buffers of their own; a missing file is null', async () => {
    const src = await resolveSource(V1);
    const whole = readBytes(join(V1, 'model.safetensors'));
    const reader = (await src.ranges!('model.safetensors'))!;
    expect(reader.size).toBe(whole.length);
    for (const [at, n] of [[0, 8], [8, 100], [whole.length - 13, 13], [1234, 0]]) {
      const got = reader.read(at, n);
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(n);
      expect(Buffer.from(got).equals(Buffer.from(whole.subarray(at, at + n)))).toBe(true);
    }
    expect(() => reader.read(whole.length - 4, 8)).toThrow(RangeError);
    expect(await src.ranges!('absent.safetensors')).toBeNull();
  });

  it('refuses a FIFO or a folder named like the file, before any read', async () => {
    const dir = join(root, 'special');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'model.safetensors')]);
    mkdirSync(join(dir, 'pytorch_model.bin'));
    const src = await resolveSource(dir);
    await expect(src.ranges!('model.safetensors')).rejects.toThrow(new WeightsError(`${join(dir, 'model.safetensors')}: not a regular file (a FIFO)`));
    await expect(src.ranges!('pytorch_model.bin')).rejects.toThrow(new WeightsError(`${join(dir, 'pytorch_model.bin')}: not a regular file (a folder)`));
  });

  it('a file replaced after the header was read is a WeightsError at the next tensor read', async () => {
    const dir = copyOf(V1, 'replaced');
    const ckpt = await loadCheckpoint(dir, {}, 'on-demand');
    const file = join(dir, 'model.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1; // same size, other contents, a later modification time
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const [name, t] = [...ckpt.tensors][0];
    expect(() => t.data, name).toThrow(new WeightsError(`${file}: the file changed while the model was loading from it`));
    writeFileSync(file, bytes.subarray(0, 100)); // shrunk
    expect(() => t.data).toThrow(new WeightsError(`${file}: the file changed while the model was loading from it`));
  });

  it('an aborted signal stops the next read with its reason', async () => {
    const controller = new AbortController();
    const ckpt = await loadCheckpoint(V1, { signal: controller.signal }, 'on-demand');
    const t = [...ckpt.tensors.values()][0];
    expect(t.data.length).toBeGreaterThan(0);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(() => t.data).toThrow(reason);
  });

  it('reports the bytes read so far, then the whole file on finish, and nothing after it', async () => {
    const events: LoadProgress[] = [];
    const size = readBytes(join(V1, 'model.safetensors')).length;
    const ckpt = await loadCheckpoint(V1, { onProgress: (e) => e.file === 'model.safetensors' && events.push({ ...e }) }, 'on-demand');
    expect(events.length).toBe(2); // the header's length, then the header
    const tensors = [...ckpt.tensors.values()];
    tensors[0].data;
    tensors[1].data;
    const read = events.map((e) => e.loaded);
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(events.every((e) => e.file === 'model.safetensors' && e.total === size && e.loaded < size)).toBe(true);
    ckpt.finish!();
    expect(events.at(-1)).toEqual({ file: 'model.safetensors', loaded: size, total: size });
    const count = events.length;
    tensors[2].data; // still readable
    ckpt.finish!();
    expect(events.length).toBe(count);
  });
});

describe('loading tensor by tensor', () => {
  it('gives every tensor of a float32, float16, bfloat16 or float64 file with the values of a whole-file load', async () => {
    for (const dir of [V1, join(modelDir('v3_base_like'), 'fp16')]) {
      const eager = await loadCheckpoint(dir);
      const streamed = await loadCheckpoint(dir, {}, 'on-demand');
      expect(eager.finish).toBeUndefined();
      expect(streamed.format).toBe('safetensors');
      expect([...streamed.tensors.values()].every((t) => t.isOnDemand)).toBe(true);
      expectSameTensors(streamed.tensors, eager.tensors);
      streamed.finish!();
    }
    for (const file of ['bfloat16.safetensors', 'float64.safetensors']) {
      const bytes = readBytes(join(IO_FIXTURES, file));
      const source = memorySource({ [file]: bytes }, 'mem', { ranges: true });
      expectSameTensors(readSafetensorsRanges((await source.ranges!(file))!, file).tensors, readSafetensors(bytes, file));
    }
  });

  it('reads only the header until a tensor is asked for, and then only that tensor (or the part asked for)', async () => {
    const bytes = readBytes(join(V1, 'model.safetensors'));
    const source = memorySource({ 'config.json': readBytes(join(V1, 'config.json')), 'model.safetensors': bytes }, 'mem', { ranges: true });
    const ckpt = await loadCheckpoint(source, {}, 'on-demand');
    const header = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(source.bytesRead).toBe(header);
    const [name, t] = [...ckpt.tensors].find(([, x]) => x.shape.length === 2)!;
    const whole = readSafetensors(bytes).get(name)!.data;
    expect([...t.data]).toEqual([...whole]);
    expect(source.bytesRead).toBe(header + whole.length * 4);
    const cols = t.shape[1];
    expect([...t.range(cols, 2 * cols)]).toEqual([...whole.subarray(cols, 3 * cols)]);
    expect(source.bytesRead).toBe(header + whole.length * 4 + 2 * cols * 4);
    expect(() => t.range(whole.length - 1, 2)).toThrow(RangeError);
  });

  it('a quantized checkpoint keeps its int8 tensors, each in a buffer of its own', async () => {
    const q = join(root, 'quantized');
    const { quantize } = await import('../../src/model/quantize.js');
    await quantize(V1, q);
    const eager = await loadCheckpoint(q);
    const streamed = await loadCheckpoint(q, {}, 'on-demand');
    expect([...streamed.int8Tensors!.keys()].sort()).toEqual([...eager.int8Tensors!.keys()].sort());
    for (const [name, t] of streamed.int8Tensors!) {
      expect(t.data.byteLength, name).toBe(t.data.buffer.byteLength);
      expect([...t.data], name).toEqual([...eager.int8Tensors!.get(name)!.data]);
    }
    expectSameTensors(streamed.tensors, eager.tensors);
  });

  it('a custom source whose reads come back short is a WeightsError naming the tensor', async () => {
    const bytes = readBytes(join(V1, 'model.safetensors'));
    const header = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const short = {
      size: bytes.length,
      read: (position: number, length: number) => bytes.slice(position, position + (position >= header ? length - 1 : length)),
    };
    const { tensors } = readSafetensorsRanges(short, 'short.safetensors');
    const [name, t] = [...tensors][0];
    const want = (t.shape.reduce((a, b) => a * b, 1) * 4);
    expect(() => t.data).toThrow(new WeightsError(`short.safetensors: tensor "${name}": the source returned ${want - 1} bytes for a read of ${want}`));
  });

  it('a sharded safetensors checkpoint streams every shard', async () => {
    const dir = join(root, 'sharded');
    mkdirSync(dir);
    copyFileSync(join(V1, 'config.json'), join(dir, 'config.json'));
    const all = (await loadCheckpoint(V1)).tensors;
    const names = [...all.keys()];
    const shards: TensorMap[] = [new Map(), new Map()];
    const weightMap: Record<string, string> = {};
    names.forEach((name, i) => {
      const s = i % 2;
      shards[s].set(name, new Tensor(all.get(name)!.data.slice(), all.get(name)!.shape));
      weightMap[name] = `model-0000${s + 1}-of-00002.safetensors`;
    });
    shards.forEach((m, s) => writeFileSync(join(dir, `model-0000${s + 1}-of-00002.safetensors`), writeSafetensors(m)));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
    const streamed = await loadCheckpoint(dir, {}, 'on-demand');
    expect(streamed.format).toBe('safetensors-sharded');
    expect([...streamed.tensors.values()].every((t) => t.isOnDemand)).toBe(true);
    expectSameTensors(streamed.tensors, all);
  });
});

describe('building a q8 model from a folder, tensor by tensor', () => {
  it('an abort during the build rejects with the signal\'s reason, and the next load works', async () => {
    const { DebertaModel } = await import('../../src/index.js');
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    let tensorReads = 0;
    const onProgress = (e: LoadProgress) => {
      // the header's two reads come while loading; abort at the third tensor the build reads
      if (e.file === 'model.safetensors' && ++tensorReads === 5) controller.abort(reason);
    };
    await expect(DebertaModel.fromPretrained(V1, { dtype: 'q8', signal: controller.signal, onProgress })).rejects.toBe(reason);
    expect(tensorReads).toBe(5); // and no last event claiming the file loaded
    const model = await DebertaModel.fromPretrained(V1, { dtype: 'q8' });
    const hidden = (JSON.parse(readFileSync(join(V1, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size;
    expect((await model.forward({ inputIds: [[1, 5, 9, 2]] })).lastHiddenState.shape).toEqual([1, 4, hidden]);
    model.dispose();
  });
});
