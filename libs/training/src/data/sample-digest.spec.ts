import { describe, expect, it } from 'vitest';
import {
  DIGEST_SLOTS,
  combineDigests,
  digestFromSlots,
  digestSamples,
  digestToSlots,
  formatDigest,
  parseDigest,
} from './sample-digest';
import { EpochOrder } from './sample-order';

describe('sample digest', () => {
  it('does not depend on order or on how the samples are split into parts', () => {
    const order = new EpochOrder(96, 7, 1, 12, 3);
    const step = [0, 1, 2].flatMap((v) => [...order.samples(4, v)]);
    const whole = digestSamples(step);
    const parts = [0, 1, 2].map((v) => digestSamples(order.samples(4, v)));
    expect(combineDigests(parts)).toEqual(whole);
    expect(digestSamples([...step].reverse())).toEqual(whole);
  });

  it('tells a duplicated or a missing sample from the expected set', () => {
    const expected = digestSamples([3, 9, 27, 81]);
    expect(digestSamples([3, 9, 27, 27])).not.toEqual(expected);
    expect(digestSamples([3, 9, 27])).not.toEqual(expected);
    // same count, sum and xor: 1+6 = 2+5 and 1^6 = 7 = 2^5; only the mix part differs
    expect(digestSamples([1, 6]).mix).not.toBe(digestSamples([2, 5]).mix);
  });

  it('survives its text form and the float32 slots of a collective', () => {
    const d = digestSamples([59_999, 0, 65_536, 4_294_967_295]);
    expect(parseDigest(formatDigest(d))).toEqual(d);
    const slots = new Float32Array(2 * DIGEST_SLOTS);
    digestToSlots(d, slots, DIGEST_SLOTS);
    expect(digestFromSlots(slots, DIGEST_SLOTS)).toEqual(d);
    expect(digestFromSlots(slots, 0)).toEqual(combineDigests([]));
    expect(() => parseDigest('12:ab')).toThrow(/not a sample digest/);
  });
});
