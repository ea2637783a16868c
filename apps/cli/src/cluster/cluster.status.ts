import { readClusterState, type ClusterProcess, type ClusterState } from './cluster-state';
import { coordinatorReady } from './coordinator.ready';
import { isAlive, markerOf } from './pids';
import { lockHolder } from './supervisor-lock';

export type ProcessStatus = ClusterProcess & { readonly alive: boolean };
export type ClusterStatus = Omit<ClusterState, 'processes'> & {
  /** Whether the coordinator's /health/ready answers 200 right now. */
  readonly ready: boolean;
  readonly processes: readonly ProcessStatus[];
};

export class NoClusterError extends Error {
  constructor(dir: string, starting: number | undefined) {
    super(
      starting === undefined
        ? `no local cluster is up in ${dir}; start one with \`repvgg cluster up --dir ${dir}\``
        : `the local cluster in ${dir} is still starting (supervisor pid ${starting}); try again in a moment`,
    );
    this.name = 'NoClusterError';
  }
}

/** The cluster in `dir` with each process's liveness; throws NoClusterError when none is up. */
export async function clusterStatus(dir: string): Promise<ClusterStatus> {
  const state = readClusterState(dir);
  if (state === undefined) throw new NoClusterError(dir, lockHolder(dir));
  return {
    ...state,
    ready: await coordinatorReady(state.coordinatorUrl),
    processes: state.processes.map((p) => ({ ...p, alive: isAlive(p.pid, markerOf(p.role)) })),
  };
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const redisLine = (s: Pick<ClusterState, 'redis' | 'dir'>): string =>
  `${s.redis.url} (${s.redis.managed ? `private, AOF in ${s.dir}` : 'REDIS_URL'}; key prefix ${s.redis.prefix})`;

/** What `up` prints once the cluster is ready. */
export function formatSummary(state: ClusterState): string {
  const workers = state.processes.filter((p) => p.role === 'worker').length;
  return [
    `local cluster up in ${state.dir}${state.detached ? ' (detached)' : ''}`,
    ...table([
      ['coordinator', state.coordinatorUrl],
      ['rendezvous', state.rendezvous],
      ['token file', state.tokenFile],
      ['redis', redisLine(state)],
      ['workers', String(workers)],
      ['data roots', state.dataRoots.join(', ')],
      ['artifacts', state.artifacts],
      ['logs', `${state.dir}/logs/`],
    ]).map((l) => `  ${l}`),
    state.detached ? `stop it with: repvgg cluster down --dir ${state.dir}` : 'Ctrl-C stops it',
  ].join('\n');
}

/** `cluster status` for people: the endpoints, then one row per process. */
export function formatStatus(s: ClusterStatus): string {
  const exit = (p: ProcessStatus): string =>
    p.exited === undefined
      ? ''
      : ` (exited: ${p.exited.signal ?? `code ${String(p.exited.code)}`})`;
  return [
    ...table([
      ['coordinator', `${s.coordinatorUrl} (${s.ready ? 'ready' : 'not ready'})`],
      ['rendezvous', s.rendezvous],
      ['token file', s.tokenFile],
      ['redis', redisLine(s)],
      ['data roots', s.dataRoots.join(', ')],
      ['artifacts', s.artifacts],
      ['started', `${s.startedAt}${s.detached ? ' (detached)' : ' (foreground)'}`],
    ]),
    '',
    ...table([
      ['ROLE', 'NAME', 'PID', 'ALIVE', 'LOG'],
      ...s.processes.map((p) => [
        p.role,
        p.name,
        String(p.pid),
        `${p.alive ? 'yes' : 'no'}${exit(p)}`,
        p.log,
      ]),
    ]),
  ].join('\n');
}
