import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const logLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof logLevelSchema>;

/** Longest message kept per line; longer ones are cut (with a trailing "…") before they are stored. */
export const LOG_MESSAGE_MAX = 4096;

/**
 * One log line of a job, as `GET /v1/jobs/:id/logs` streams it (SSE `event: log`, `id:` the stream id
 * for Last-Event-ID). `source` is `coordinator` or the worker's id; generation, rank and step are set
 * where they apply.
 */
export const jobLogLineSchema = z.object({
  at: z.iso.datetime(),
  level: logLevelSchema,
  source: z.string().min(1).max(200),
  generation: z.number().int().min(0).optional(),
  rank: z.number().int().min(0).optional(),
  step: z.number().int().min(0).optional(),
  message: z.string().max(LOG_MESSAGE_MAX + 1),
});
export type JobLogLine = z.infer<typeof jobLogLineSchema>;
