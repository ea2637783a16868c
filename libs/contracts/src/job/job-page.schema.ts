import { z } from 'zod';
import { jobRecordSchema } from './job-record.schema';
import { jobStateSchema } from './job-state';

export const JOB_PAGE_LIMIT_MAX = 500;

/** `GET /v1/jobs` query: an optional state filter and keyset pagination, oldest first. */
export const jobListQuerySchema = z
  .object({
    state: jobStateSchema.optional(),
    limit: z.coerce.number().int().min(1).max(JOB_PAGE_LIMIT_MAX).default(100),
    /** The `nextCursor` of the previous page; opaque to clients. */
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();
export type JobListQuery = z.output<typeof jobListQuerySchema>;

/** One page of `GET /v1/jobs`; `nextCursor` is null on the last page. */
export const jobPageSchema = z.object({
  jobs: z.array(jobRecordSchema),
  nextCursor: z.string().nullable(),
});
export type JobPage = z.infer<typeof jobPageSchema>;
