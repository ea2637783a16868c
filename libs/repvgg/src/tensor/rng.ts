/**
 * A small, fast, seeded PRNG (xoshiro128**, state seeded by splitmix32 from the seed).
 * Deterministic across platforms: it uses only 32-bit integer arithmetic. Its state can be saved
 * and restored so that a training checkpoint resumes the same random stream.
 */
export class Rng {
  private readonly s = new Uint32Array(4);
  private spareNormal: number | undefined;

  /** `seed` is any safe integer; different seeds give independent-looking streams. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
    }
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = z ^ (z >>> 16);
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Restores a generator saved with `state()`. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 5 && state.length !== 4) {
      throw new RangeError(`an Rng state has 4 or 5 numbers, got ${String(state.length)}`);
    }
    const rng = new Rng(0);
    for (let i = 0; i < 4; i++) rng.s[i] = state[i] ?? 0;
    rng.spareNormal = state[4];
    return rng;
  }

  /** The generator's full state (JSON-serializable). */
  state(): number[] {
    const out = Array.from(this.s);
    if (this.spareNormal !== undefined) out.push(this.spareNormal);
    return out;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0];
    const s1 = s[1];
    const s2 = s[2];
    const s3 = s[3];
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return r >>> 0;
  }

  /** Uniform on [lo, hi) with 53 random bits. */
  uniform(lo = 0, hi = 1): number {
    const hiBits = this.nextUint32() >>> 5;
    const loBits = this.nextUint32() >>> 6;
    const u = (hiBits * 67108864 + loBits) / 9007199254740992;
    return lo + (hi - lo) * u;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${String(n)}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Gaussian sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
