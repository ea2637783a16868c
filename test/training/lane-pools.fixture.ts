import { initStateDict } from '@repvgg/core/weights/init';
import type { ReplicaLanePool } from '@repvgg/training/parallel/replica-lane.pool';
import type { ReplicaWorkerInit } from '@repvgg/training/parallel/replica-protocol';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { partCount, planBuckets } from '@repvgg/training/step/bucket-plan';
import type { GradientPacket } from '@repvgg/training/step/gradient-packet';
import { packetFromParts } from '@repvgg/training/step/packet-parts';
import { expect } from 'vitest';
import { archOf, batch, loaded } from '../worker/validation.fixture';

/**
 * One tiny training job for comparing replica lane pools (threads, processes, the calling thread):
 * what each computes for it, as bits.
 */
export const arch = archOf('lane-pools', 0.125);
export const SIZE = 12;
export const weights = initStateDict(arch, 3);
export const init = (backend: string, preload?: string[]): ReplicaWorkerInit => ({
  arch,
  weights,
  globalBatch: 16,
  labelSmoothing: 0.1,
  bnSpatial: bnSpatialSizes(arch, SIZE, SIZE),
  backend,
  ...(preload === undefined ? {} : { preload }),
});
export const replicas = [1, 2, 3, 4].map((seed) => batch(4, SIZE, seed));
export const params = new Map(
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
export async function wholeAndStreamed(pool: ReplicaLanePool): Promise<string[][][]> {
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

export async function step(pool: ReplicaLanePool): Promise<unknown[]> {
  const sum = await pool.compute(params, replicas);
  const each = await pool.computeEach(params, replicas);
  const val = await pool.validate(weights, loaded([batch(8, SIZE, 9), batch(8, SIZE, 10)]));
  // everything but the throughput, which is timing
  return [bits(sum), each.map(bits), [val.loss, val.top1, val.top5, val.images]];
}
