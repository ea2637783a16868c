import { z } from 'zod';

/** `GET /v1/workers`: a registered worker as the rendezvous sees it. */
export const workerInfoSchema = z.object({
  id: z.string(),
  address: z.string(),
  backend: z.string(),
  capabilities: z.array(z.string()),
  jobId: z.string().nullable(),
  generation: z.number().int().nullable(),
  rank: z.number().int().nullable(),
  draining: z.boolean(),
  lastHeartbeat: z.iso.datetime(),
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;
