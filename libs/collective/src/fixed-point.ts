import { NonFiniteValueError } from './collective.error';

/**
 * Headroom for the number of contributions summed exactly: up to 2^12 = 4096 (workers × replicas).
 * Integers up to 2^53 add exactly in float64, so each quantized contribution keeps 53 − 12 = 41 bits.
 */
export const CONTRIBUTION_HEADROOM_BITS = 12;
export const FRACTION_BITS = 53 - CONTRIBUTION_HEADROOM_BITS;

/** Largest |x| over the contributions, or Infinity when any value is NaN/±Inf (so all members agree to fail). */
export function maxAbs(contributions: readonly Float32Array[]): number {
  let max = 0;
  for (const values of contributions) {
    for (const v of values) {
      const a = Math.abs(v);
      if (!(a <= Number.MAX_VALUE)) return Infinity;
      if (a > max) max = a;
    }
  }
  return max;
}

/**
 * The exponent e with globalMax < 2^e: quantization step 2^(e − FRACTION_BITS). Every member derives
 * it from the same all-reduced maximum, so every member quantizes identically.
 */
export function scaleExponent(globalMax: number): number {
  if (!(globalMax <= Number.MAX_VALUE)) throw new NonFiniteValueError();
  if (globalMax === 0) return 0;
  let e = Math.ceil(Math.log2(globalMax)) | 0;
  while (2 ** e <= globalMax) e++;
  while (2 ** (e - 1) > globalMax) e--;
  return e;
}

/**
 * Adds round(x · 2^(FRACTION_BITS − e)) of every contribution into `into`. Each term is an integer of
 * magnitude ≤ 2^FRACTION_BITS and the sum of at most 2^CONTRIBUTION_HEADROOM_BITS of them stays within
 * 2^53, so float64 adds them exactly: the result does not depend on order or grouping.
 */
export function accumulateQuantized(
  contributions: readonly Float32Array[],
  exponent: number,
  into: Float64Array,
): void {
  const scale = 2 ** (FRACTION_BITS - exponent);
  for (const values of contributions) {
    if (values.length !== into.length) {
      throw new RangeError(`contribution of ${values.length} elements, expected ${into.length}`);
    }
    for (let i = 0; i < values.length; i++) into[i] += Math.round(values[i] * scale);
  }
}

/** Back to float32: one exact power-of-two multiply, then a single rounding to float32. */
export function dequantize(sum: Float64Array, exponent: number, into: Float32Array): void {
  const step = 2 ** (exponent - FRACTION_BITS);
  for (let i = 0; i < sum.length; i++) into[i] = sum[i] * step;
}
