import { createHash } from 'node:crypto';

/** Element i of input `seed`: a stateless hash, so a test can check any element without the rest. */
export function fixtureValue(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h = (h ^ (h >>> 16)) >>> 0;
  // Wide dynamic range (five decades) so rounding differences would show.
  return Math.fround((h / 2 ** 32 - 0.5) * 10 ** (h % 5) * 1e-2);
}

/** Reproducible inputs, identical in the test and in forked members. */
export function fixtureInput(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = fixtureValue(seed, i);
  return out;
}

export const sha256 = (data: ArrayBufferView): string =>
  createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
