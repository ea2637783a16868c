import { z } from 'zod';

export const JOB_STATES = [
  'queued',
  'preparing',
  'running',
  'finalizing',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof jobStateSchema>;

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

const NEXT: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['preparing', 'failed', 'cancelled'],
  preparing: ['running', 'failed', 'cancelled'],
  running: ['finalizing', 'failed', 'cancelled'],
  finalizing: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  // resume: back to the start of the lifecycle, continuing from the latest checkpoint
  failed: ['queued'],
  cancelled: ['queued'],
};

/** Terminal states a job can be resumed from (`POST /v1/jobs/:id/resume`). */
export const RESUMABLE_STATES: ReadonlySet<JobState> = new Set(['failed', 'cancelled']);

/**
 * The lifecycle moves forward (queued → preparing → running → finalizing → a terminal state), except
 * that a failed or cancelled job may be resumed: back to queued.
 */
export function canTransition(from: JobState, to: JobState): boolean {
  return NEXT[from].includes(to);
}

export const stateTransitionSchema = z.object({
  from: jobStateSchema.nullable(),
  to: jobStateSchema,
  reason: z.string(),
  at: z.iso.datetime(),
});
export type StateTransition = z.infer<typeof stateTransitionSchema>;
