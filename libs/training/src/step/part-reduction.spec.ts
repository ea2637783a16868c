import { describe, expect, it } from 'vitest';
import { PartReduction } from './part-reduction';

/** A reduction whose sums record the order of calls (each part's sum is its first contribution). */
function recording(parts: number, replicas: number): { reduction: PartReduction; calls: number[] } {
  const calls: number[] = [];
  const reduction = new PartReduction(parts, replicas, (part, contributions) => {
    calls.push(part);
    const sum = Float32Array.from(contributions[0]);
    for (const c of contributions.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] += c[i];
    return Promise.resolve(sum);
  });
  return { reduction, calls };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PartReduction', () => {
  it('reduces part after part in plan order once every replica offered it, only once started', async () => {
    const { reduction, calls } = recording(3, 2);
    // parts arrive out of order and before the start
    reduction.offer(1, 2, Float32Array.of(5));
    reduction.offer(0, 0, Float32Array.of(1));
    reduction.offer(1, 0, Float32Array.of(2));
    await flush();
    expect(calls).toEqual([]);
    reduction.start();
    await flush();
    expect(calls).toEqual([0]);
    reduction.offer(0, 2, Float32Array.of(6));
    await flush();
    // part 2 is complete, but part 1 is not: order is kept
    expect(calls).toEqual([0]);
    reduction.offer(0, 1, Float32Array.of(3));
    reduction.offer(1, 1, Float32Array.of(4));
    expect(await reduction.done).toEqual([
      Float32Array.of(3),
      Float32Array.of(7),
      Float32Array.of(11),
    ]);
    expect(calls).toEqual([0, 1, 2]);
  });

  it('fails on a part offered twice or one not in the plan, and with a failed reduction', async () => {
    const twice = recording(1, 2).reduction;
    twice.offer(0, 0, Float32Array.of(1));
    twice.offer(0, 0, Float32Array.of(1));
    await expect(twice.done).rejects.toThrow(/offered twice/);
    const stray = recording(1, 1).reduction;
    stray.offer(0, 1, Float32Array.of(1));
    await expect(stray.done).rejects.toThrow(/no part 1/);
    const lost = new Error('peer lost');
    const failing = new PartReduction(2, 1, () => Promise.reject(lost));
    failing.start();
    failing.offer(0, 0, Float32Array.of(1));
    await expect(failing.done).rejects.toBe(lost);
    expect(() => new PartReduction(0, 1, () => Promise.reject(lost))).toThrow(RangeError);
  });
});
