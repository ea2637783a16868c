import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initStateDict } from '@repvgg/core/weights/init';
import { planLanes } from '@repvgg/training/parallel/lane-plan';
import { ProcessReplicaPool } from '@repvgg/training/parallel/process-replica.pool';
import type { ReplicaLanePool } from '@repvgg/training/parallel/replica-lane.pool';
import type { ReplicaWorkerInit } from '@repvgg/training/parallel/replica-protocol';
import {
  ReplicaWorkerError,
  ThreadReplicaPool,
} from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { partCount, planBuckets } from '@repvgg/training/step/bucket-plan';
import type { GradientPacket } from '@repvgg/training/step/gradient-packet';
import { packetFromParts } from '@repvgg/training/step/packet-parts';
import { archOf, batch, loaded } from '../worker/validation.fixture';
import { STANDIN_BACKEND } from './addon-standin.backend';

// The stand-in for tfjs-node (which cannot be installed here): it refuses worker threads exactly
// as the native addon does ("Module did not self-register") and computes with cpu's kernels.
const STANDIN = join(__dirname, 'addon-standin.backend.ts');

const arch = archOf('process-lanes', 0.125);
const SIZE = 12;
const weights = initStateDict(arch, 3);
const init = (backend: string, preload?: string[]): ReplicaWorkerInit => ({
  arch,
  weights,
  globalBatch: 16,
  labelSmoothing: 0.1,
  bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
  backend,
  ...(preload === undefined ? {} : { preload }),
});
const replicas = [1, 2, 3, 4].map((seed) => batch(4, SIZE, seed));
const params = new Map(
  [...weights].flatMap(([k, t]) => (t.dtype === 'float32' ? [[k, t.data]] : [])),
);

/** Everything a packet carries, exactly: counts, the loss sum's bits and every array's bytes. */
const bits = (p: GradientPacket): unknown[] => [
  p.replicas,
  p.samples,
  p.correct,
  Buffer.from(new Float64Array([p.lossSum]).buffer).toString('hex'),
  ...(['grads', 'bnMean', 'bnVar'] as const).flatMap((m) =>
    [...p[m]].map(
      ([k, v]) => `${k}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`,
    ),
  ),
];

/** Every value of a packet by name (the order of its maps aside), as hex of its bits. */
const named = (p: GradientPacket): string[] =>
  [
    `${p.replicas} ${p.samples} ${p.correct} ${Math.fround(p.lossSum)}`,
    ...(['grads', 'bnMean', 'bnVar'] as const).flatMap((m) =>
      [...p[m]].map(
        ([k, v]) =>
          `${m} ${k} ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`,
      ),
    ),
  ].sort();

/**
 * Each replica's packet from `computeEach`, and from `computeStream`'s parts (the overlap's
 * `streamReplicaGradients`: BN statistics after forward, gradient buckets during backward).
 */
async function wholeAndStreamed(pool: ReplicaLanePool): Promise<string[][][]> {
  const each = await pool.computeEach(params, replicas);
  const plan = planBuckets(
    [...each[0].grads].map(([k, v]) => [k, v.length] as const),
    [...each[0].bnMean].map(([k, v]) => [k, v.length] as const),
    1024,
  );
  expect(plan.buckets.length).toBeGreaterThan(2);
  const parts = replicas.map(() => new Array<Float32Array>(partCount(plan)));
  await pool.computeStream(params, replicas, plan, (replica, part, data) => {
    expect(parts[replica][part]).toBeUndefined();
    parts[replica][part] = data;
  });
  return [each.map(named), parts.map((p) => named(packetFromParts(plan, p)))];
}

async function step(pool: ReplicaLanePool): Promise<unknown[]> {
  const sum = await pool.compute(params, replicas);
  const each = await pool.computeEach(params, replicas);
  const val = await pool.validate(weights, loaded([batch(8, SIZE, 9), batch(8, SIZE, 10)]));
  // everything but the throughput, which is timing
  return [bits(sum), each.map(bits), [val.loss, val.top1, val.top5, val.images]];
}

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
