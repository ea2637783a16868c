import { ChaosCluster, exited, type ChaosWorker } from './chaos.cluster';
import type { ScheduledFault } from './chaos.schedule';

export interface FaultOutcome {
  /** When the fault struck (ms since the epoch, this machine's clock, as the coordinator's). */
  readonly at: number;
  /** The worker it struck, by its process' name. */
  readonly target?: string;
  /** SIGSTOP: how long until the coordinator no longer listed the frozen worker. */
  readonly detectedSeconds?: number;
  /** SIGSTOP: the bound it had to be dropped within (heartbeat timeout + one sweep + slack). */
  readonly deadlineSeconds?: number;
}

interface ListedWorker {
  readonly address: string;
  readonly jobId: string | null;
  readonly rank: number | null;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function listed(cluster: ChaosCluster): Promise<ListedWorker[]> {
  return (await cluster.api('/v1/workers')) as ListedWorker[];
}

/** The running worker processes in the job's generation, the leader (rank 0) first. */
async function members(cluster: ChaosCluster): Promise<ChaosWorker[]> {
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
}

/** Strikes one fault and returns once it has struck (a restart included, not the recovery). */
export async function injectFault(
  cluster: ChaosCluster,
  fault: ScheduledFault,
  timing: FaultTiming,
): Promise<FaultOutcome> {
  switch (fault.kind) {
    case 'kill-leader':
    case 'kill-member': {
      const all = await members(cluster);
      const pool = fault.kind === 'kill-leader' ? all.slice(0, 1) : all.slice(1);
      const w = pickOf(pool.length > 0 ? pool : all, fault.pick, 'member');
      const at = Date.now();
      w.child.kill('SIGKILL');
      await exited(w.child);
      return { at, target: w.name };
    }
    case 'stop-member': {
      const w = pickOf(await members(cluster), fault.pick, 'member');
      const at = Date.now();
      w.child.kill('SIGSTOP');
      // The coordinator's sweep runs every timeout/4: a frozen worker is gone by timeout + 1/4.
      const deadlineMs = timing.heartbeatTimeoutMs * 1.25 + 500;
      let detected: number | undefined;
      while (Date.now() - at < Math.max(3 * timing.heartbeatTimeoutMs, 10_000)) {
        const gone = await listed(cluster).then(
          (ws) => !ws.some((x) => x.address === w.address),
          () => false,
        );
        if (gone) {
          detected = Date.now();
          break;
        }
        await delay(50);
      }
      // Frozen longer than the deadline whatever happened, then thawed: it must register again.
      await delay(Math.max(0, at + timing.heartbeatTimeoutMs + 1_000 - Date.now()));
      w.child.kill('SIGCONT');
      return {
        at,
        target: w.name,
        deadlineSeconds: deadlineMs / 1000,
        ...(detected === undefined ? {} : { detectedSeconds: (detected - at) / 1000 }),
      };
    }
    case 'join': {
      const at = Date.now();
      const w = await cluster.startWorker();
      return { at, target: w.name };
    }
    case 'drain': {
      const w = pickOf(await members(cluster), fault.pick, 'member');
      const at = Date.now();
      w.child.kill('SIGTERM');
      return { at, target: w.name };
    }
    case 'kill-coordinator': {
      const at = Date.now();
      await cluster.killCoordinator();
      await cluster.startCoordinator();
      return { at };
    }
    case 'kill-redis': {
      const at = Date.now();
      await cluster.killRedis();
      await cluster.startRedis();
      return { at };
    }
    case 'kill-all-workers': {
      const all = [...cluster.workers];
      const at = Date.now();
      for (const w of all) w.child.kill('SIGKILL');
      await Promise.all(all.map((w) => exited(w.child)));
      for (let i = 0; i < all.length; i++) await cluster.startWorker();
      return { at };
    }
  }
}
