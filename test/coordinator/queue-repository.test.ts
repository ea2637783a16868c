import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { planEpoch } from '../../apps/coordinator/src/planner/epoch-plan';
import {
  QueueRepository,
  SHARD_REPOLL_BACKOFF,
} from '../../apps/coordinator/src/repositories/queue.repository';
import { deleteKeys, until } from './coordinator.harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A repository on the shared Redis under a prefix of its own, closed and wiped after the test. */
const opened: { repo: QueueRepository; prefix: string }[] = [];
function open(): { repo: QueueRepository; prefix: string } {
  const prefix = `tq${randomBytes(6).toString('hex')}`;
  const entry = {
    repo: new QueueRepository({ redisUrl: REDIS_URL, prefix, lockMs: 5_000 }),
    prefix,
  };
  opened.push(entry);
  return entry;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const { repo, prefix } of opened.splice(0)) {
    await repo.close(true);
    await deleteKeys(REDIS_URL, prefix);
  }
});

const addFlow = (repo: QueueRepository, jobId: string): Promise<void> => {
  const { parent, shards } = planEpoch(jobId, 0, 2, 2);
  return repo.addEpochFlow(parent, shards, 0);
};

describe('QueueRepository.removeEpochFlow', () => {
  it('passes over a flow that is gone or held by its active shard, and surfaces anything else', async () => {
    const { repo, prefix } = open();
    // Not found: nothing to remove.
    await expect(repo.removeEpochFlow('never-planned', 0)).resolves.toBeUndefined();

    // Any other failure reaches the caller (who logs it), e.g. Redis refusing the removal script.
    await addFlow(repo, 'broken');
    const redis = new Redis(REDIS_URL);
    try {
      await redis.set(`${prefix}:epoch:broken.e0:dependencies`, 'not a set');
    } finally {
      redis.disconnect();
    }
    await expect(repo.removeEpochFlow('broken', 0)).rejects.toThrow(/WRONGTYPE|wrong kind/i);

    // Locked: the active shard keeps its flow; its processor sees the job stopped and returns.
    let release = (): void => undefined;
    let offered = false;
    repo.start({
      shard: () =>
        new Promise((resolve) => {
          offered = true;
          release = () => {
            resolve('done');
          };
        }),
      epoch: () => Promise.resolve(),
    });
    await addFlow(repo, 'held');
    await until(() => offered, 'the shard taken', 10_000);
    await expect(repo.removeEpochFlow('held', 0)).resolves.toBeUndefined();
    expect(await repo.dropEpochFlow('held', 0, 0)).toBe(false);
    release();
    expect(await repo.dropEpochFlow('held', 0, 10_000)).toBe(true);
  }, 30_000);
});

describe('a shard offered before its turn', () => {
  it('is offered again after capped, exponentially growing, jittered waits', async () => {
    const { repo } = open();
    // The top of every jitter range: the waits are then the policy's ceilings.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const offers: number[] = [];
    repo.start({
      shard: () => {
        offers.push(Date.now());
        return Promise.resolve(offers.length <= 5 ? 'later' : 'done');
      },
      epoch: () => Promise.resolve(),
    });
    await addFlow(repo, 'waiting');
    await until(() => offers.length === 6, 'six offers', 20_000);
    const gaps = offers.slice(1).map((t, i) => t - (offers[i] ?? t));
    const ceilings = [0, 1, 2, 3, 4].map((n) =>
      Math.min(SHARD_REPOLL_BACKOFF.capMs, SHARD_REPOLL_BACKOFF.baseMs * 2 ** n),
    );
    expect(ceilings).toEqual([250, 500, 1000, 2000, 2000]);
    gaps.forEach((gap, n) => {
      const ceiling = ceilings[n] ?? 0;
      // Waited (nearly) the whole jittered wait, and not much longer than the capped ceiling.
      expect(gap, `wait ${n}`).toBeGreaterThanOrEqual(Math.floor(0.999 * ceiling) - 5);
      expect(gap, `wait ${n}`).toBeLessThan(ceiling + 1_000);
    });
    // The jitter: every re-poll drew its wait from Math.random.
    expect(random.mock.calls.length).toBeGreaterThanOrEqual(5);
  }, 30_000);
});
