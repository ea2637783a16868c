/**
 * Little-endian element types that weight files store; every one but int64 is widened to float32
 * on read, since host tensors are float32 (parameters, statistics) or int64 (BN step counters).
 */
export type StoredDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64';

export const STORED_DTYPE_BYTES: Readonly<Record<StoredDtype, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
};

/** Decodes `bytes` (a whole number of elements) into float32, or int64 for I64. */
export function decodeElements(
  dtype: StoredDtype,
  bytes: Uint8Array,
): Float32Array | BigInt64Array {
  const count = bytes.length / STORED_DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'I64': {
      const data = new BigInt64Array(count);
      new Uint8Array(data.buffer).set(bytes);
      return data;
    }
    case 'F32': {
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes);
      return data;
    }
    case 'F64': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
      return data;
    }
    case 'F16': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(2 * i, true));
      return data;
    }
    case 'BF16': {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
  }
}

/** IEEE 754 binary16 → number (exact: every half is representable in float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
