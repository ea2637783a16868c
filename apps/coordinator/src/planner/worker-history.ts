import type { JobRecord } from '@repvgg/contracts';

export type WorkerHistory = JobRecord['workerHistory'];

/** The latest entries a record keeps: a job that re-forms all day does not grow its record forever. */
export const WORKER_HISTORY_LENGTH = 100;

/**
 * The worker-count history (the bundle's provenance) with a new generation: only a change of the
 * count is an entry (a re-formed ring of the same size is not news), and only the latest
 * WORKER_HISTORY_LENGTH entries are kept.
 */
export function withWorkerCount(
  history: WorkerHistory,
  entry: WorkerHistory[number],
  limit = WORKER_HISTORY_LENGTH,
): WorkerHistory {
  if (history.at(-1)?.workers === entry.workers) return history;
  return [...history, entry].slice(-limit);
}
