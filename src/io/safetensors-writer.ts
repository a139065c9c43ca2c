// A leaf of io/: the one safetensors writer (used by `deberta quantize`).
import { Int8Tensor, Tensor } from '../tensor/tensor.js';

/**
 * A `.safetensors` file holding `tensors` in iteration order: F32 for {@link Tensor}, I8 for
 * {@link Int8Tensor}; the JSON header padded with spaces to a multiple of 8 bytes, as the reference writer
 * does, so every tensor's data stays aligned for zero-copy views when read back.
 */
export function toSafetensors(tensors: ReadonlyMap<string, Tensor | Int8Tensor>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  // F32 tensors first, so they start at multiples of 4; the I8 ones after need no alignment.
  // Data read once per tensor: a tensor decoded on demand decodes on every read.
  const order = [...tensors]
    .sort(([, a], [, b]) => Number(a instanceof Int8Tensor) - Number(b instanceof Int8Tensor))
    .map(([name, t]) => [name, t, t.data] as const);
  let at = 0;
  for (const [name, t, data] of order) {
    const bytes = data.byteLength;
    header[name] = { dtype: t instanceof Int8Tensor ? 'I8' : 'F32', shape: t.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const [, , data] of order) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    pos += data.byteLength;
  }
  return out;
}
