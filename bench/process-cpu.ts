import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux). */
const TICKS = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return r.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
})();

/**
 * The CPU fields of /proc/PID/stat after the command name (which may hold spaces): index 0 is
 * field 3 (state), so utime is 11, stime 12, cutime 13, cstime 14.
 */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process has ended
  }
}

/** User + system CPU seconds of processes (all their threads) so far; an ended one counts 0. */
export function processCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f !== undefined) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS;
}

/** User + system CPU seconds of this process's children that have ended and been waited for. */
export function endedChildrenCpuSeconds(): number {
  const f = statFields('self');
  return f === undefined ? 0 : (Number(f[13]) + Number(f[14])) / TICKS;
}
