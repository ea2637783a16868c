import { describe, it, expect } from 'vitest';
import { tf } from '@repvgg/core/compute/tf';
import { InThreadReplicaPool } from '@repvgg/training/parallel/in-thread-replica.pool';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { batch } from '../worker/validation.fixture';
import {
  init,
  params,
  replicas,
  SIZE,
  step,
  weights,
  wholeAndStreamed,
} from './lane-pools.fixture';

// A worker whose replica steps are small computes them on its own thread (`--threads 0`, or 'auto'
// for such a job): the same lane code as a compute thread, without the thread.
describe('a lane on the calling thread', () => {
  it('computes the packets of a compute thread, bit for bit, whole or streamed, and validates alike', async () => {
    const own = await InThreadReplicaPool.start(init('wasm'));
    const thread = await ThreadReplicaPool.start(1, init('wasm'));
    try {
      expect(own.lanes).toBe(1);
      expect(await step(own)).toEqual(await step(thread));
      const [whole, streamed] = await wholeAndStreamed(own);
      expect(streamed).toEqual(whole);
      expect(whole).toEqual((await wholeAndStreamed(thread))[0]);
    } finally {
      await own.close();
      await thread.close();
    }
  }, 120_000);

  it("frees its models in this thread's engine when closed", async () => {
    const own = await InThreadReplicaPool.start(init('wasm'));
    // the lane activated its backend on this thread: count after that, before its models
    await own.close();
    const before = tf.memory().numTensors;
    const again = await InThreadReplicaPool.start(init('wasm'));
    await again.computeEach(params, replicas);
    await again.loadEvaluation(weights);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await again.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers a failed request with its error and keeps serving', async () => {
    const own = await InThreadReplicaPool.start(init('wasm'));
    try {
      await expect(own.compute(params, [batch(1, SIZE, 5)])).rejects.toThrow(
        /a replica thread failed: BatchNorm/,
      );
      expect(own.broken).toBe(false);
      expect(await own.computeEach(params, replicas)).toHaveLength(replicas.length);
    } finally {
      await own.close();
    }
  });
});
