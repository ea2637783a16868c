export interface AllocationJob {
  readonly id: string;
  readonly priority: number;
  /** ISO time; earlier jobs win ties of priority. */
  readonly createdAt: string;
  readonly min: number;
  readonly max: number;
}

/**
 * Shares the live workers among running jobs. Counts first: by priority (then age) each job gets
 * its minimum if that many remain, else none; what is left tops jobs up to their maximum in the
 * same order. Then concrete workers: a job keeps as many of its current workers as its count
 * allows (no needless moves), and the freed or unassigned workers fill the remaining places.
 *
 * @param workers live, non-draining worker ids in a stable order (registration order)
 * @param current the job each worker serves now, if any
 */
export function allocateWorkers(
  workers: readonly string[],
  current: ReadonlyMap<string, string>,
  jobs: readonly AllocationJob[],
): Map<string, string[]> {
  const ordered = [...jobs].sort(
    (a, b) =>
      b.priority - a.priority || a.createdAt.localeCompare(b.createdAt) || (a.id < b.id ? -1 : 1),
  );
  const counts = new Map<string, number>();
  let left = workers.length;
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
