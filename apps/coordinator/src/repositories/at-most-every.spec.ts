import { describe, expect, it } from 'vitest';
import { atMostEvery } from './at-most-every';

describe('atMostEvery', () => {
  it('passes the first call and then one per interval, dropping the rest', async () => {
    let clock = 1_000;
    const seen: number[] = [];
    const record = atMostEvery(
      1_000,
      (v: number) => {
        seen.push(v);
        return Promise.resolve();
      },
      () => clock,
    );
    for (const [at, v] of [
      [1_000, 1],
      [1_400, 2],
      [1_999, 3],
      [2_000, 4],
      [2_500, 5],
      [3_100, 6],
    ] as const) {
      clock = at;
      await record(v);
    }
    expect(seen).toEqual([1, 4, 6]);
  });

  it('hands back the recording promise, so its failure reaches the caller', async () => {
    const record = atMostEvery(1_000, () => Promise.reject(new Error('redis away')));
    await expect(record()).rejects.toThrow('redis away');
  });
});
