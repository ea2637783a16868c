import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planLanes } from '@repvgg/training/parallel/lane-plan';
import { ProcessReplicaPool } from '@repvgg/training/parallel/process-replica.pool';
import {
  ReplicaWorkerError,
  ThreadReplicaPool,
} from '@repvgg/training/parallel/thread-replica.pool';
import { batch } from '../worker/validation.fixture';
import { STANDIN_BACKEND } from './addon-standin.backend';
import { init, params, replicas, SIZE, step, wholeAndStreamed } from './lane-pools.fixture';

// The stand-in for tfjs-node (which cannot be installed here): it refuses worker threads exactly
// as the native addon does ("Module did not self-register") and computes with cpu's kernels.
const STANDIN = join(__dirname, 'addon-standin.backend.ts');

describe('process lanes (the lane kind for tfjs-node)', () => {
  it('a backend that refuses a second thread: thread lanes fail, process lanes compute', async () => {
    await expect(ThreadReplicaPool.start(1, init(STANDIN_BACKEND, [STANDIN]))).rejects.toThrow(
      /a replica thread failed: .*addon-standin/,
    );
    const plan = planLanes(
      STANDIN_BACKEND,
      { threads: 2, keepEventLoopFree: true },
      new Set([STANDIN_BACKEND]),
    );
    expect(plan).toEqual({ kind: 'processes', lanes: 1 });
    const processes = await ProcessReplicaPool.start(plan.lanes, init(STANDIN_BACKEND, [STANDIN]));
    const threads = await ThreadReplicaPool.start(1, init('cpu'));
    try {
      // the stand-in computes with cpu's kernels: the packets of a cpu thread lane, bit for bit
      expect(await step(processes)).toEqual(await step(threads));
    } finally {
      await Promise.all([processes.close(), threads.close()]);
    }
    // a lane whose process is gone refuses the step instead of leaving the caller waiting
    await expect(processes.compute(params, replicas)).rejects.toThrow(ReplicaWorkerError);
    await expect(processes.compute(params, replicas)).rejects.toThrow(/a replica process failed/);
    expect(processes.broken).toBe(true);
  }, 120_000);

  for (const backend of ['wasm', 'cpu']) {
    it(`${backend}: two process lanes give the packets of two thread lanes, bit for bit, whole or streamed in parts`, async () => {
      const processes = await ProcessReplicaPool.start(2, init(backend));
      const threads = await ThreadReplicaPool.start(2, init(backend));
      try {
        expect(processes.lanes).toBe(2);
        expect(await step(processes)).toEqual(await step(threads));
        for (const pool of [processes, threads]) {
          const [whole, streamed] = await wholeAndStreamed(pool);
          expect(streamed).toEqual(whole);
        }
        // a request a lane cannot compute fails alone; the lanes carry on
        await expect(processes.compute(params, [batch(1, SIZE, 5)])).rejects.toThrow(
          /a replica process failed: BatchNorm/,
        );
        expect(processes.broken).toBe(false);
      } finally {
        await Promise.all([processes.close(), threads.close()]);
      }
    }, 120_000);
  }
});
