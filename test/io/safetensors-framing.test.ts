// The tensors of a safetensors file must tile its data section exactly, as the reference implementation
// requires: a header length that is off by a byte or bytes after the last tensor fail instead of shifting data.
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { concat, memorySource, safetensorsFromHeader, writeSafetensors } from './helpers.js';

const f32 = (...values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const headerLength = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
const withHeaderLength = (b: Uint8Array, n: number): Uint8Array => {
  const out = b.slice();
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
};

/**
 * Loads bytes as model.safetensors of an in-memory checkpoint and returns the WeightsError message; reading
 * the file through ranges (as loading for q8 from a folder does) must fail with the same message.
 */
async function failure(bytes: Uint8Array): Promise<string> {
  const messages: string[] = [];
  for (const ranges of [false, true]) {
    const source = memorySource({ 'config.json': '{}', 'model.safetensors': bytes }, 'mem', { ranges });
    const err = await loadCheckpoint(source, {}, ranges ? 'on-demand' : 'eager').then(
      () => new Error('loaded without error'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(WeightsError);
    messages.push(err.message);
  }
  expect(messages[1]).toBe(messages[0]);
  return messages[0];
}

describe('safetensors framing', () => {
  // 55 bytes of JSON padded to 56, so the header ends in a space that JSON.parse does not miss.
  const file = writeSafetensors(new Map([['w', new Tensor(new Float32Array([1, 2, 3]), [3])]]));

  it('the project writer pads the header with spaces and frames exactly', () => {
    const n = headerLength(file);
    expect(n % 8).toBe(0);
    expect(file[8 + n - 1]).toBe(0x20);
    expect(file.length).toBe(8 + n + 12);
    expect([...(readSafetensors(file).get('w') as Tensor).data]).toEqual([1, 2, 3]);
  });

  it('a header length one byte short fails (it used to read every tensor one byte early)', async () => {
    const n = headerLength(file);
    // The truncated header is still valid JSON: only the framing check can catch this.
    expect(() => JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n - 1)))).not.toThrow();
    expect(await failure(withHeaderLength(file, n - 1))).toBe(
      'mem/model.safetensors: 1 trailing byte after the tensors: the data section is 13 bytes but the last tensor, "w", ends at 12 (is the header length wrong?)',
    );
  });

  it('a header length one byte long fails, whether or not the header still parses', async () => {
    const n = headerLength(file);
    expect(await failure(withHeaderLength(file, n + 1))).toContain('mem/model.safetensors: header is not valid UTF-8 JSON');
    // Data starting with a space (0x20) keeps the longer header valid JSON.
    const spaced = safetensorsFromHeader({ w: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, [new Uint8Array([0x20, 7])]);
    expect(await failure(withHeaderLength(spaced, headerLength(spaced) + 1))).toBe(
      'mem/model.safetensors: tensor "w" data_offsets [0, 2] fall outside the data section (1 bytes)',
    );
  });

  it('a byte after the last tensor fails', async () => {
    expect(await failure(concat([file, new Uint8Array([0])]))).toBe(
      'mem/model.safetensors: 1 trailing byte after the tensors: the data section is 13 bytes but the last tensor, "w", ends at 12 (is the header length wrong?)',
    );
    const empty = safetensorsFromHeader({ __metadata__: { format: 'pt' } }, [f32(1)]);
    expect(await failure(empty)).toBe(
      'mem/model.safetensors: 4 trailing bytes after the tensors: the data section is 4 bytes but there are no tensors (is the header length wrong?)',
    );
  });

  it('a gap between tensors fails, naming the tensor after it', async () => {
    const gap = safetensorsFromHeader({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
    }, [f32(1, 2, 0, 3, 4)]);
    expect(await failure(gap)).toBe('mem/model.safetensors: tensor "b" data_offsets [12, 20] leave a gap of 4 bytes after tensor "a", which ends at 8');
  });

  it('a first tensor not at offset 0 fails', async () => {
    const late = safetensorsFromHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, [f32(0, 1, 2)]);
    expect(await failure(late)).toBe(
      'mem/model.safetensors: tensor "a" data_offsets [4, 12] should begin at 0, the start of the data section (the first 4 bytes belong to no tensor)',
    );
  });

  it('zero-size tensors are valid anywhere, and header order need not be offset order', () => {
    const bytes = safetensorsFromHeader({
      __metadata__: { format: 'pt' },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
      empty_end: { dtype: 'F32', shape: [0, 3], data_offsets: [12, 12] },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      empty_start: { dtype: 'F16', shape: [0], data_offsets: [0, 0] },
      empty_mid: { dtype: 'I64', shape: [2, 0], data_offsets: [8, 8] },
    }, [f32(1.5, -2, 7)]);
    const tensors = readSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(['b', 'empty_end', 'a', 'empty_start', 'empty_mid']);
    expect([...tensors].map(([name, t]) => [name, t.shape, [...t.data]])).toEqual([
      ['b', [1], [7]],
      ['empty_end', [0, 3], []],
      ['a', [2], [1.5, -2]],
      ['empty_start', [0], []],
      ['empty_mid', [2, 0], []],
    ]);
    expect(readSafetensors(safetensorsFromHeader({})).size).toBe(0);
    expect(readSafetensors(safetensorsFromHeader({ z: { dtype: 'F32', shape: [0], data_offsets: [0, 0] } })).get('z')?.shape).toEqual([0]);
  });
});
