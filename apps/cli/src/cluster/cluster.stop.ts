import { readClusterState, removeClusterState } from './cluster-state';
import { isAlive, markerOf, signalPid, waitForExit } from './pids';
import { clearLock, lockHolder } from './supervisor-lock';
import { STOP_GRACE_MS, terminateInOrder } from './teardown';

/** The supervisor stops workers, coordinator and Redis one after another, each with its grace. */
const SUPERVISOR_STOP_MS = 3 * STOP_GRACE_MS + 10_000;

export interface StopResult {
  /** False when nothing ran in the directory (stopping is idempotent). */
  readonly wasRunning: boolean;
  /** Pids that had to be killed because they outlived their grace. */
  readonly killed: readonly number[];
}

/** The state when it can be read; a corrupt file must not keep `down` from stopping anything. */
function stateOf(dir: string): ReturnType<typeof readClusterState> {
  try {
    return readClusterState(dir);
  } catch {
    return undefined;
  }
}

/**
 * `repvgg cluster down`: asks the supervisor to stop the cluster (SIGTERM) and waits until every
 * recorded process is gone; stragglers are killed. When the supervisor itself is dead, the
 * recorded processes are stopped from here in the same order.
 */
export async function stopCluster(
  dir: string,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<StopResult> {
  const state = stateOf(dir);
  const recorded = state?.processes.filter((p) => p.role !== 'supervisor') ?? [];
  const supervisorPid =
    lockHolder(dir) ?? state?.processes.find((p) => p.role === 'supervisor')?.pid;
  const supervisorAlive =
    supervisorPid !== undefined && isAlive(supervisorPid, markerOf('supervisor'));
  const watched = [
    ...recorded.map((p) => ({ pid: p.pid, marker: markerOf(p.role) })),
    ...(supervisorAlive ? [{ pid: supervisorPid, marker: markerOf('supervisor') }] : []),
  ];
  if (state === undefined && !supervisorAlive) return { wasRunning: false, killed: [] };

  let killed: number[] = [];
  if (supervisorAlive) {
    signalPid(supervisorPid, 'SIGTERM');
    killed = await waitForExit(watched, SUPERVISOR_STOP_MS);
    for (const pid of killed) signalPid(pid, 'SIGKILL');
    await waitForExit(watched, 2_000);
  }
  // The supervisor died earlier (or was just killed): what it started is ours to stop.
  const left = recorded.filter((p) => isAlive(p.pid, markerOf(p.role)));
  if (left.length > 0) {
    say(
      `the supervisor is gone; stopping ${left.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`,
    );
    await terminateInOrder(left, say);
  }
  removeClusterState(dir);
  clearLock(dir);
  return { wasRunning: true, killed };
}
