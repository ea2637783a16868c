/** A job as the worker share sees it: its priority, age and workers range. */
export interface ShareJob {
  readonly id: string;
  readonly priority: number;
  /** ISO time; earlier jobs win ties of priority. */
  readonly createdAt: string;
  readonly min: number;
  readonly max: number;
}

/** Highest priority first, then oldest, then by id: the order in which jobs are served. */
export function byPriority<J extends ShareJob>(jobs: readonly J[]): J[] {
  return [...jobs].sort(
    (a, b) =>
      b.priority - a.priority || a.createdAt.localeCompare(b.createdAt) || (a.id < b.id ? -1 : 1),
  );
}

/**
 * How many of `available` workers each job gets. By priority (then age) each job gets its minimum
 * if that many remain, else none — a job cannot train on fewer; what is left tops jobs up to their
 * maximum in the same order. The rendezvous shares live workers this way and the autoscaler asks
 * for workers this way, so a scaled cluster is shared exactly as planned.
 */
export function shareWorkers(available: number, jobs: readonly ShareJob[]): Map<string, number> {
  const ordered = byPriority(jobs);
  const counts = new Map<string, number>();
  let left = available;
  for (const job of ordered) {
    const n = left >= job.min ? job.min : 0;
    counts.set(job.id, n);
    left -= n;
  }
  for (const job of ordered) {
    const have = counts.get(job.id) ?? 0;
    if (have === 0 && job.min > 0) continue;
    const extra = Math.min(job.max - have, left);
    counts.set(job.id, have + extra);
    left -= extra;
  }
  return counts;
}
