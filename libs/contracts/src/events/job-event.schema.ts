import { z } from 'zod';
import { decodeFailureSampleSchema } from '../job/decode-failures.schema';
import { epochResultSchema, stepMetricsSchema } from '../job/job-record.schema';
import { stateTransitionSchema } from '../job/job-state';

/** Server-sent events of `GET /v1/jobs/:id/events`; the SSE `event:` field is `type`. */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), jobId: z.string(), transition: stateTransitionSchema }),
  z.object({ type: z.literal('step'), jobId: z.string(), metrics: stepMetricsSchema }),
  z.object({ type: z.literal('epoch'), jobId: z.string(), result: epochResultSchema }),
  z.object({
    type: z.literal('generation'),
    jobId: z.string(),
    generation: z.number().int(),
    workers: z.array(z.string()),
    reason: z.string(),
  }),
  /** A worker reported `count` more samples it could not decode (the job's total is `total`). */
  z.object({
    type: z.literal('decode'),
    jobId: z.string(),
    workerId: z.string(),
    count: z.number().int().min(1),
    total: z.number().int().min(1),
    samples: z.array(decodeFailureSampleSchema),
  }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;
export type JobEventType = JobEvent['type'];
