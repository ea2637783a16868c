import type { ClusterProcess } from './cluster-state';
import { markerOf, signalPid, waitForExit } from './pids';

/** How long a worker or the coordinator may take to leave after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** Redis rewrites nothing on SIGTERM but fsyncs its AOF; a large one may take a moment. */
const REDIS_GRACE_MS = 10_000;

type Target = Pick<ClusterProcess, 'pid' | 'role' | 'name'>;

async function terminate(
  targets: readonly Target[],
  graceMs: number,
  log: (line: string) => void,
): Promise<void> {
  if (targets.length === 0) return;
  const watched = targets.map((t) => ({ pid: t.pid, marker: markerOf(t.role) }));
  // Liveness first: a recorded pid that ended may have been reused by a stranger.
  const live = await waitForExit(watched, 0);
  for (const t of targets) if (live.includes(t.pid)) signalPid(t.pid, 'SIGTERM');
  const stragglers = await waitForExit(watched, graceMs);
  for (const t of targets.filter((x) => stragglers.includes(x.pid))) {
    log(`${t.name} (pid ${t.pid}) did not stop within ${graceMs / 1000} s: killing it`);
    signalPid(t.pid, 'SIGKILL');
  }
  await waitForExit(watched, 2_000);
}

/**
 * Stops a cluster's processes in dependency order: workers, then the coordinator (so nothing is
 * left that writes to Redis), then Redis last, so its AOF holds everything they wrote.
 */
export async function terminateInOrder(
  processes: readonly Target[],
  log: (line: string) => void,
  graceMs = STOP_GRACE_MS,
): Promise<void> {
  const of = (role: ClusterProcess['role']): Target[] => processes.filter((p) => p.role === role);
  await terminate(of('worker'), graceMs, log);
  await terminate(of('coordinator'), graceMs, log);
  await terminate(of('redis'), REDIS_GRACE_MS, log);
}
