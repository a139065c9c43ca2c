/**
 * Storage types found in checkpoints. Floats are computed in float32; integer and bool tensors
 * (buffers such as `position_ids` in older checkpoints) are converted to float32 too so that nothing
 * is silently dropped, and the model decides whether it needs them.
 */
export type StorageDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Bytes per element of each storage type. */
export const DTYPE_BYTES: Record<StorageDtype, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half -> float32 bits, exact (half values are all representable in float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;

/**
 * Decodes `numel` little-endian values of `dtype` starting at byte `offset` of `bytes` into float32.
 * Aligned float32 data on a little-endian machine is returned as a view (no copy).
 * The caller guarantees that the range lies inside `bytes`.
 */
export function decodeFloats(bytes: Uint8Array, offset: number, numel: number, dtype: StorageDtype): Float32Array {
  const abs = bytes.byteOffset + offset;
  if (dtype === 'float32') {
    if (LITTLE_ENDIAN && abs % 4 === 0) return new Float32Array(bytes.buffer, abs, numel);
    const out = new Float32Array(numel);
    const dv = new DataView(bytes.buffer, abs, numel * 4);
    for (let i = 0; i < numel; i++) out[i] = dv.getFloat32(i * 4, true);
    return out;
  }
  const out = new Float32Array(numel);
  const dv = new DataView(bytes.buffer, abs, numel * DTYPE_BYTES[dtype]);
  switch (dtype) {
    case 'float16': {
      if (halfTable === undefined) {
        halfTable = new Float32Array(65536);
        for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
      }
      const t = halfTable;
      for (let i = 0; i < numel; i++) out[i] = t[dv.getUint16(i * 2, true)];
      break;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32, so widening is a shift, exact for every value incl. NaN payloads.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      break;
    }
    case 'float64':
      for (let i = 0; i < numel; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'int64':
      for (let i = 0; i < numel; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'int32':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'int16':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt16(i * 2, true);
      break;
    case 'int8':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt8(i);
      break;
    case 'uint8':
      for (let i = 0; i < numel; i++) out[i] = dv.getUint8(i);
      break;
    case 'bool':
      for (let i = 0; i < numel; i++) out[i] = dv.getUint8(i) !== 0 ? 1 : 0;
      break;
  }
  return out;
}
