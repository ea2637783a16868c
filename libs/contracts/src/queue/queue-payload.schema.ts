import { z } from 'zod';
import { QueueJobName } from './queue.enum';

/** Parent of an epoch's flow: processed once every shard child has completed. */
export const epochPayloadSchema = z.object({
  jobId: z.string(),
  epoch: z.number().int().min(0),
  stepsPerEpoch: z.number().int().min(1),
});
export type EpochPayload = z.infer<typeof epochPayloadSchema>;

/** K consecutive steps [startStep, endStep) of one epoch. */
export const shardPayloadSchema = z.object({
  jobId: z.string(),
  epoch: z.number().int().min(0),
  shard: z.number().int().min(0),
  startStep: z.number().int().min(0),
  endStep: z.number().int().min(1),
});
export type ShardPayload = z.infer<typeof shardPayloadSchema>;

export type QueuePayload =
  | { name: QueueJobName.Epoch; data: EpochPayload }
  | { name: QueueJobName.Shard; data: ShardPayload };
