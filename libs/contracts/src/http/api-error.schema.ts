import { z } from 'zod';

/** The JSON body of every 4xx/5xx answer of the REST API; a 400 names each bad field in `issues`. */
export const apiErrorSchema = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
