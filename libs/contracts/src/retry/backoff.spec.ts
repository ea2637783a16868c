import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, everyMs, retryWithBackoff } from './backoff';

const policy = { baseMs: 200, capMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const almostOne = (): number => 1 - Number.EPSILON;
    expect([0, 1, 2, 3, 5, 6, 7, 50, 5000].map((a) => backoffDelay(policy, a, almostOne))).toEqual([
      199, 399, 799, 1599, 6399, 9999, 9999, 9999, 9999,
    ]);
  });

  it('is uniform in [0, ceiling): full jitter', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(800);
  });

  it('starts at 0.2 s and stops at 10 s by default', () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 200, capMs: 10_000 });
  });
});

describe('retryWithBackoff', () => {
  it('retries until success, waiting the policy delays', async () => {
    const waits: number[] = [];
    const seen: number[] = [];
    const result = await retryWithBackoff(
      (attempt) => {
        seen.push(attempt);
        return attempt < 3 ? Promise.reject(new Error('down')) : Promise.resolve('up');
      },
      {
        policy,
        random: () => 0.5,
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    );
    expect(result).toBe('up');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('rethrows a failure that is not retryable', async () => {
    const fatal = new Error('bad request');
    await expect(
      retryWithBackoff(() => Promise.reject(fatal), {
        retryable: (err) => err !== fatal,
        sleep: () => Promise.resolve(),
      }),
    ).rejects.toBe(fatal);
  });

  it('stops waiting when aborted', async () => {
    const ctl = new AbortController();
    const pending = retryWithBackoff(() => Promise.reject(new Error('down')), {
      policy: { baseMs: 60_000, capMs: 60_000 },
      random: () => 0.99,
      signal: ctl.signal,
      onRetry: () => {
        ctl.abort(new Error('stopped'));
      },
    });
    await expect(pending).rejects.toThrow('stopped');
  });
});

describe('everyMs', () => {
  it('opens once per interval', () => {
    let t = 0;
    const gate = everyMs(10_000, () => t);
    const opened: number[] = [];
    for (t = 0; t <= 25_000; t += 1_000) if (gate()) opened.push(t);
    expect(opened).toEqual([0, 10_000, 20_000]);
  });
});
