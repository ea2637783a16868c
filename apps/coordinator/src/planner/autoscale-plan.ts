import type { Autoscale, JobRecord } from '@repvgg/contracts';
import { byPriority, shareWorkers } from './worker-share';

/** States whose jobs train on workers now or soon; a finalizing job needs none. */
export const RUNNABLE_STATES = ['queued', 'preparing', 'running'] as const;
type Runnable = (typeof RUNNABLE_STATES)[number];
const isRunnable = (r: JobRecord): r is JobRecord & { state: Runnable } =>
  (RUNNABLE_STATES as readonly string[]).includes(r.state);

/**
 * The workers the runnable jobs want: shared by priority as the rendezvous would share
 * `maxWorkers` live workers, each job between its workers.min and workers.max. Pure, so the
 * endpoint, the gauge and the Kubernetes scaler agree.
 */
export function autoscalePlan(records: readonly JobRecord[], maxWorkers: number): Autoscale {
  const jobs = byPriority(
    records.filter(isRunnable).map((r) => ({
      id: r.id,
      state: r.state,
      priority: r.spec.priority,
      createdAt: r.createdAt,
      min: r.spec.workers.min,
      max: r.spec.workers.max,
    })),
  );
  const counts = shareWorkers(maxWorkers, jobs);
  const planned = jobs.map(({ createdAt: _, ...job }) => ({
    ...job,
    workers: counts.get(job.id) ?? 0,
  }));
  return {
    desiredWorkers: planned.reduce((sum, j) => sum + j.workers, 0),
    maxWorkers,
    jobs: planned,
  };
}
