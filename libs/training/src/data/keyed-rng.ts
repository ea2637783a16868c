/**
 * Counter-based random numbers: the n-th draw is a pure hash of (key, n), so a stream needs no state
 * beyond its key and counter. Keying augmentation by (seed, epoch, sample index) makes a sample's
 * augmentation the same whichever worker decodes it, and makes checkpointing the RNG trivial.
 */

const GOLDEN = 0x9e3779b9;

/** murmur3's 32-bit finalizer: a bijection with full avalanche. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Absorbs non-negative integers up to 2^53 as two 32-bit words each, so large seeds keep all their bits. */
function absorb(h: number, word: number): number {
  if (!Number.isSafeInteger(word) || word < 0) {
    throw new RangeError(`RNG key words must be non-negative safe integers, got ${word}`);
  }
  const lo = word >>> 0;
  const hi = Math.floor(word / 0x100000000) >>> 0;
  const a = fmix32((h ^ lo) + GOLDEN);
  return fmix32((a ^ hi) + Math.imul(GOLDEN, 3));
}

/**
 * Stream purposes, so the permutation and the augmentation of the same (seed, epoch) never share draws.
 * Random erasing has its own stream: turning it on leaves the crop and flip draws as they were.
 */
export const RngStream = {
  permutation: 1,
  augmentation: 2,
  erasing: 3,
} as const;

export class KeyedRng {
  private counter = 0;
  private readonly k0: number;
  private readonly k1: number;

  /** A stream keyed by the given words (e.g. stream purpose, seed, epoch, sample index). */
  constructor(...key: number[]) {
    let h0 = 0x243f6a88;
    let h1 = 0x85a308d3;
    for (const word of key) {
      h0 = absorb(h0, word);
      h1 = absorb(h1 ^ 0x13198a2e, word);
    }
    this.k0 = h0;
    this.k1 = h1;
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const n = this.counter++;
    return fmix32(fmix32((this.k0 + Math.imul(n, GOLDEN)) >>> 0) ^ this.k1);
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n) without modulo bias (n ≤ 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.float() < p;
  }
}
