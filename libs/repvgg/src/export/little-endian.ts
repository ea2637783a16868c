import { endianness } from 'node:os';

const HOST_IS_LE = endianness() === 'LE';

/** The bytes of float32 values in little-endian order (ONNX raw_data and tfjs shards are LE). */
export function float32LeBytes(data: Float32Array): Uint8Array {
  if (HOST_IS_LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => {
    view.setFloat32(4 * i, v, true);
  });
  return out;
}

/** The bytes of int32 values in little-endian order. */
export function int32LeBytes(data: Int32Array): Uint8Array {
  if (HOST_IS_LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => {
    view.setInt32(4 * i, v, true);
  });
  return out;
}
