import { writeFileSync } from 'node:fs';
import type { TensorMap } from '../src/tensor/tensor.js';

/** Writes F32 tensors as a .safetensors file (sorted keys, 8-byte padded header), for benchmarks. */
export function writeSafetensors(path: string, tensors: TensorMap): void {
  const keys = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const k of keys) {
    const t = tensors.get(k)!;
    header[k] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.byteLength(json); // bytes, not UTF-16 units: tensor names may be non-ASCII
  const head = Buffer.alloc(8 + headerBytes);
  head.writeBigUInt64LE(BigInt(headerBytes), 0);
  head.write(json, 8, 'utf8');
  const out = Buffer.alloc(head.length + offset);
  head.copy(out, 0);
  let at = head.length;
  for (const k of keys) {
    const d = tensors.get(k)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  writeFileSync(path, out);
}
