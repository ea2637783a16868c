import { setTimeout as delay } from 'node:timers/promises';
import { ChaosCluster, exited, type ChaosWorker } from './chaos.cluster';
import type { ScheduledFault } from './chaos.schedule';
import type { LinkCutter } from './link-cut';

export interface FaultOutcome {
  /** When the fault struck (ms since the epoch, this machine's clock, as the coordinator's). */
  readonly at: number;
  /** The worker(s) it struck, by their process' names. */
  readonly target?: string;
  /** SIGSTOP, cut-link: how long until the hung member was dropped or the link's loss noticed. */
  readonly detectedSeconds?: number;
  /** The bound that detection had to come within. */
  readonly deadlineSeconds?: number;
}

interface ListedWorker {
  readonly address: string;
  readonly jobId: string | null;
  readonly rank: number | null;
  readonly generation?: number | null;
}

async function listed(cluster: ChaosCluster): Promise<ListedWorker[]> {
  return (await cluster.api('/v1/workers')) as ListedWorker[];
}

/** The highest generation the coordinator lists a worker in (-1 when none is in a generation). */
export async function currentGeneration(cluster: ChaosCluster): Promise<number> {
  return (await listed(cluster)).reduce((g, w) => Math.max(g, w.generation ?? -1), -1);
}

/** The running worker processes in the job's generation, the leader (rank 0) first. */
export async function members(cluster: ChaosCluster): Promise<ChaosWorker[]> {
  const ranks = new Map(
    (await listed(cluster))
      .filter((w) => w.jobId !== null && w.rank !== null)
      .map((w) => [w.address, w.rank ?? 0]),
  );
  return cluster.workers
    .filter((w) => ranks.has(w.address))
    .sort((a, b) => (ranks.get(a.address) ?? 0) - (ranks.get(b.address) ?? 0));
}

function pickOf<T>(items: readonly T[], pick: number, what: string): T {
  const item = items[Math.min(items.length - 1, Math.floor(pick * items.length))];
  if (item === undefined) throw new Error(`no ${what} to strike`);
  return item;
}

export interface FaultTiming {
  readonly heartbeatTimeoutMs: number;
  /**
   * The collective's deadline for a silent peer as the generation's ring sets it
   * (`AdaptiveDeadline`: 3 × the p99 of its step times, at least 5 s), from the committed steps.
   */
  readonly collectiveDeadlineMs: number;
  /** The longest step of the generation so far: the next collective may be that far away. */
  readonly stepMs: number;
}

/**
 * A fault ready to strike: its targets are chosen up front, so `strike` is synchronous and lands
 * at the moment its phase was found; `finish` then waits out what the fault does (a restart, a
 * thaw, a heal), not the recovery.
 */
export interface ArmedFault {
  strike(): void;
  finish(): Promise<FaultOutcome>;
}

/** Polls until the frozen or cut-off worker's generation is gone; the time from `at`, if ever. */
async function dropped(
  cluster: ChaosCluster,
  at: number,
  gone: (ws: ListedWorker[]) => boolean,
  limitMs: number,
): Promise<number | undefined> {
  while (Date.now() - at < limitMs) {
    if (await listed(cluster).then(gone, () => false)) return Date.now() - at;
    await delay(50);
  }
  return undefined;
}

const seconds = (ms: number | undefined): { detectedSeconds?: number } =>
  ms === undefined ? {} : { detectedSeconds: ms / 1000 };

/** Chooses the fault's targets now; see ArmedFault. */
export async function armFault(
  cluster: ChaosCluster,
  fault: ScheduledFault,
  timing: FaultTiming,
  links: LinkCutter | undefined,
): Promise<ArmedFault> {
  let at = 0;
  const struck = (): number => (at = Date.now());
  switch (fault.kind) {
    case 'kill-leader':
    case 'kill-member': {
      const all = await members(cluster);
      const pool = fault.kind === 'kill-leader' ? all.slice(0, 1) : all.slice(1);
      const w = pickOf(pool.length > 0 ? pool : all, fault.pick, 'member');
      return {
        strike: () => {
          struck();
          w.child.kill('SIGKILL');
        },
        finish: async () => {
          await exited(w.child);
          return { at, target: w.name };
        },
      };
    }
    case 'stop-member': {
      const w = pickOf(await members(cluster), fault.pick, 'member');
      return {
        strike: () => {
          struck();
          w.child.kill('SIGSTOP');
        },
        finish: async () => {
          // The coordinator's sweep runs every timeout/4: a frozen worker is gone by timeout + 1/4.
          const deadlineMs = timing.heartbeatTimeoutMs * 1.25 + 500;
          const detected = await dropped(
            cluster,
            at,
            (ws) => !ws.some((x) => x.address === w.address),
            Math.max(3 * timing.heartbeatTimeoutMs, 10_000),
          );
          // Frozen longer than the deadline whatever happened, then thawed: it registers again.
          await delay(Math.max(0, at + timing.heartbeatTimeoutMs + 1_000 - Date.now()));
          w.child.kill('SIGCONT');
          return { at, target: w.name, deadlineSeconds: deadlineMs / 1000, ...seconds(detected) };
        },
      };
    }
    case 'cut-link': {
      if (links === undefined)
        throw new Error('cut-link needs the cluster to run with a LinkCutter');
      const all = await members(cluster);
      if (all.length < 2) throw new Error('cut-link needs two members');
      // Ring neighbours (ranks r and r+1): with four or more members the others' links carry
      // nothing, and cutting them would change nothing.
      const i = Math.min(all.length - 1, Math.floor(fault.pick * all.length));
      const a = pickOf(all.slice(i), 0, 'member');
      const b = pickOf(all.slice((i + 1) % all.length), 0, 'member');
      const generation = await currentGeneration(cluster);
      let heal: (() => void) | undefined;
      return {
        strike: () => {
          struck();
          heal = links.cut(end(a), end(b));
        },
        finish: async () => {
          // A member blocked on the cut link gives up after the collective deadline; its next
          // collective may be a step away; 1 s for its report and this poll.
          const deadlineMs = timing.collectiveDeadlineMs + timing.stepMs + 1_000;
          // Cut until the generation ends — a cut shorter than the deadline is only a stall the
          // ring rides out — or, at the most, 2 × `hold` times the bound (so a late detection is
          // still seen and judged by the bound; none is recorded undetected).
          const detected = await dropped(
            cluster,
            at,
            (ws) => ws.some((x) => (x.generation ?? -1) > generation),
            2 * fault.hold * deadlineMs,
          );
          heal?.();
          return {
            at,
            target: `${a.name} ↔ ${b.name}`,
            deadlineSeconds: deadlineMs / 1000,
            ...seconds(detected),
          };
        },
      };
    }
    case 'join': {
      let started: Promise<ChaosWorker> | undefined;
      return {
        strike: () => {
          struck();
          started = cluster.startWorker();
        },
        finish: async () => ({ at, target: (await started)?.name ?? '?' }),
      };
    }
    case 'drain': {
      const w = pickOf(await members(cluster), fault.pick, 'member');
      return {
        strike: () => {
          struck();
          w.child.kill('SIGTERM');
        },
        finish: () => Promise.resolve({ at, target: w.name }),
      };
    }
    case 'kill-coordinator':
    case 'kill-redis': {
      const pid = fault.kind === 'kill-coordinator' ? cluster.coordinatorPid : cluster.redisPid;
      return {
        strike: () => {
          struck();
          if (pid !== undefined) process.kill(pid, 'SIGKILL');
        },
        finish: async () => {
          if (fault.kind === 'kill-coordinator') {
            await cluster.killCoordinator();
            await cluster.startCoordinator();
          } else {
            await cluster.killRedis();
            await cluster.startRedis();
          }
          return { at };
        },
      };
    }
    case 'kill-all-workers': {
      const all = [...cluster.workers];
      return {
        strike: () => {
          struck();
          for (const w of all) w.child.kill('SIGKILL');
        },
        finish: async () => {
          await Promise.all(all.map((w) => exited(w.child)));
          for (let i = 0; i < all.length; i++) await cluster.startWorker();
          return { at };
        },
      };
    }
  }
}

function end(w: ChaosWorker): { cgroup: string; dataPort: number } {
  if (w.cgroup === undefined) throw new Error(`${w.name} runs in no cgroup of its own`);
  return { cgroup: w.cgroup, dataPort: w.dataPort };
}
