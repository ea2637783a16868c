/**
 * Deterministic float32s with every bit pattern class a kernel could mangle: both signs, a −0 at
 * index 0, magnitudes from 2⁻²⁰ to 2²⁰.
 */
export function seededFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 31 - 1) * 2 ** ((s >>> 7) % 40)) / 2 ** 20;
  }
  out[0] = -0;
  return out;
}
