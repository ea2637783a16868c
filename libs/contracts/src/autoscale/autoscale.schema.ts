import { z } from 'zod';

/** One runnable job's share of the desired workers. */
export const autoscaleJobSchema = z.object({
  id: z.string(),
  state: z.enum(['queued', 'preparing', 'running']),
  priority: z.number().int(),
  min: z.number().int().min(1),
  max: z.number().int().min(1),
  /** Workers this job gets out of `desiredWorkers`: 0 when its minimum does not fit under the cap. */
  workers: z.number().int().min(0),
});
export type AutoscaleJob = z.infer<typeof autoscaleJobSchema>;

/**
 * `GET /v1/autoscale`: the workers the runnable jobs want (a KEDA metrics-api trigger reads
 * `desiredWorkers`).
 */
export const autoscaleSchema = z.object({
  desiredWorkers: z.number().int().min(0),
  /** The configured cap (REPVGG_MAX_WORKERS). */
  maxWorkers: z.number().int().min(1),
  /** Runnable jobs in the order they are served: priority, then age. */
  jobs: z.array(autoscaleJobSchema),
});
export type Autoscale = z.infer<typeof autoscaleSchema>;
