/**
 * An order-independent digest of a multiset of sample indices: how many, their sum and xor, and the
 * sum of a 32-bit mix of each (all modulo 2^32). Digests of disjoint parts combine into the digest of
 * the whole, so each member digests its own micro-batches, the leader combines them per step, and an
 * auditor compares a step's (or an epoch's) digest with the one the sample order predicts. A sample
 * used twice or skipped changes the count or, with the same count, the sums and xor together.
 */
export interface SampleDigest {
  readonly count: number;
  readonly sum: number;
  readonly xor: number;
  readonly mix: number;
}

export const EMPTY_DIGEST: SampleDigest = { count: 0, sum: 0, xor: 0, mix: 0 };

/** murmur3's 32-bit finalizer: spreads neighbouring indices over all 32 bits. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function digestSamples(indices: Iterable<number>): SampleDigest {
  let count = 0;
  let sum = 0;
  let xor = 0;
  let mix = 0;
  for (const i of indices) {
    count = (count + 1) >>> 0;
    sum = (sum + i) >>> 0;
    xor = (xor ^ i) >>> 0;
    mix = (mix + mix32(i)) >>> 0;
  }
  return { count, sum, xor, mix };
}

export function combineDigests(parts: Iterable<SampleDigest>): SampleDigest {
  let out = EMPTY_DIGEST;
  for (const d of parts) {
    out = {
      count: (out.count + d.count) >>> 0,
      sum: (out.sum + d.sum) >>> 0,
      xor: (out.xor ^ d.xor) >>> 0,
      mix: (out.mix + d.mix) >>> 0,
    };
  }
  return out;
}

/** `count:sum:xor:mix`, each part 8 hex digits: the form StepReport.samples_digest carries. */
export function formatDigest(d: SampleDigest): string {
  return [d.count, d.sum, d.xor, d.mix].map((v) => v.toString(16).padStart(8, '0')).join(':');
}

export function parseDigest(text: string): SampleDigest {
  const parts = text.split(':');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9a-f]{8}$/.test(p))) {
    throw new RangeError(
      `"${text}" is not a sample digest (count:sum:xor:mix in 8 hex digits each)`,
    );
  }
  const [count, sum, xor, mix] = parts.map((p) => Number.parseInt(p, 16));
  return { count, sum, xor, mix };
}

/**
 * Float32 slots one digest takes in a collective: each 32-bit part as two 16-bit halves, which
 * float32 (and the fixed-point reduce) carries exactly while every other member's slots are zero.
 */
export const DIGEST_SLOTS = 8;

export function digestToSlots(d: SampleDigest, into: Float32Array, offset: number): void {
  [d.count, d.sum, d.xor, d.mix].forEach((v, k) => {
    into[offset + 2 * k] = v >>> 16;
    into[offset + 2 * k + 1] = v & 0xffff;
  });
}

export function digestFromSlots(slots: Float32Array, offset: number): SampleDigest {
  const part = (k: number): number =>
    ((Math.round(slots[offset + 2 * k]) << 16) | Math.round(slots[offset + 2 * k + 1])) >>> 0;
  return { count: part(0), sum: part(1), xor: part(2), mix: part(3) };
}
