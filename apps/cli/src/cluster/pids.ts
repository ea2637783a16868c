import { readFileSync } from 'node:fs';

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The command line of a live process (Linux /proc), or undefined where there is none to read. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` runs. With `marker`, a process whose command line does not contain it (the pid was
 * reused after ours ended) counts as gone, so `down` never signals a stranger.
 */
export function isAlive(pid: number, marker?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it belongs to another user, so it is not one we started.
    return false;
  }
  if (marker === undefined) return true;
  const cmd = commandLine(pid);
  // A zombie has an empty command line; it is gone for every purpose of ours.
  return cmd === undefined ? true : cmd.includes(marker);
}

/** Sends `signal` to `pid`; a process that already ended is not an error. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: gone already.
  }
}

/** Polls until none of `pids` is alive or `timeoutMs` passed; returns the ones still alive. */
export async function waitForExit(
  pids: readonly { pid: number; marker?: string }[],
  timeoutMs: number,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter((p) => isAlive(p.pid, p.marker)).map((p) => p.pid);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(100);
  }
}

/** What a cluster process's command line contains (see `isAlive`). */
export const markerOf = (role: string): string => (role === 'redis' ? 'redis-server' : 'repvgg');
