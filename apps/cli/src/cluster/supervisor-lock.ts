import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors/usage.error';
import { isAlive, markerOf } from './pids';

/** Holds the supervisor's pid from before the first child starts until the last one stopped. */
const LOCK_FILE = 'supervisor.pid';

export class ClusterRunningError extends UsageError {
  constructor(dir: string, pid: number) {
    super(
      `a local cluster is already running in ${dir} (supervisor pid ${pid})`,
      `use it, or stop it first with \`repvgg cluster down --dir ${dir}\``,
    );
  }
}

/** The pid of the live supervisor of `dir`, if any (a lock left by a killed one does not count). */
export function lockHolder(dir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid, markerOf('supervisor')) ? pid : undefined;
}

/** Makes this process the supervisor of `dir`; one `up` per directory. */
export function acquireLock(dir: string): void {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const holder = lockHolder(dir);
    if (holder !== undefined && holder !== process.pid) throw new ClusterRunningError(dir, holder);
    // A supervisor that was killed left its lock behind.
    rmSync(file, { force: true });
  }
}

export function releaseLock(dir: string): void {
  if (lockHolder(dir) === process.pid) rmSync(join(dir, LOCK_FILE), { force: true });
}

/** `down` after the supervisor is gone: its lock is stale. */
export function clearLock(dir: string): void {
  rmSync(join(dir, LOCK_FILE), { force: true });
}
