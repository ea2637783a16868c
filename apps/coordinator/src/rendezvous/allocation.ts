import { byPriority, shareWorkers, type ShareJob } from '../planner/worker-share';

export type AllocationJob = ShareJob;

/**
 * Shares the live workers among running jobs. Counts first (`shareWorkers`: minimums by
 * priority, then top-ups to the maximums). Then concrete workers: a job keeps as many of its
 * current workers as its count allows (no needless moves), and the freed or unassigned workers
 * fill the remaining places.
 *
 * @param workers live, non-draining worker ids in a stable order (registration order)
 * @param current the job each worker serves now, if any
 */
export function allocateWorkers(
  workers: readonly string[],
  current: ReadonlyMap<string, string>,
  jobs: readonly AllocationJob[],
): Map<string, string[]> {
  const ordered = byPriority(jobs);
  const counts = shareWorkers(workers.length, jobs);

  const result = new Map<string, string[]>(ordered.map((j) => [j.id, []]));
  const taken = new Set<string>();
  for (const job of ordered) {
    const want = counts.get(job.id) ?? 0;
    const mine = result.get(job.id) ?? [];
    for (const w of workers) {
      if (mine.length >= want) break;
      if (current.get(w) === job.id) {
        mine.push(w);
        taken.add(w);
      }
    }
  }
  const free = workers.filter((w) => !taken.has(w));
  for (const job of ordered) {
    const want = counts.get(job.id) ?? 0;
    const mine = result.get(job.id) ?? [];
    while (mine.length < want) {
      const w = free.shift();
      if (w === undefined) break;
      mine.push(w);
    }
  }
  return result;
}
