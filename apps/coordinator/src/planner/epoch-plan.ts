import type { EpochPayload, ShardPayload } from '@repvgg/contracts';

/** Full steps of an epoch: the tail that does not fill a global batch is dropped (as EpochOrder does). */
export function stepsPerEpoch(trainSamples: number, globalBatch: number): number {
  return Math.floor(trainSamples / globalBatch);
}

/** An epoch's flow: the parent and its shards of `shardSteps` consecutive steps (the last may be shorter). */
export function planEpoch(
  jobId: string,
  epoch: number,
  steps: number,
  shardSteps: number,
): { parent: EpochPayload; shards: ShardPayload[] } {
  const shards: ShardPayload[] = [];
  for (let start = 0, shard = 0; start < steps; start += shardSteps, shard++) {
    shards.push({
      jobId,
      epoch,
      shard,
      startStep: start,
      endStep: Math.min(steps, start + shardSteps),
    });
  }
  return { parent: { jobId, epoch, stepsPerEpoch: steps }, shards };
}
