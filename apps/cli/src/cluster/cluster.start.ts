import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors/usage.error';
import { ChildProcesses, lastLogLine, repvggCommand } from './child-processes';
import {
  readClusterState,
  removeClusterState,
  writeClusterState,
  type ClusterProcess,
  type ClusterState,
} from './cluster-state';
import { ensureClusterTls } from './cluster-tls';
import { CLUSTER_WORKER_TOKEN_FILE, ensureClusterToken } from './cluster-token';
import { waitUntilReady } from './coordinator.ready';
import { isAlive, markerOf } from './pids';
import { dataRootsOf } from './data-roots';
import { choosePort, PREFERRED_HTTP_PORT } from './ports';
import { provisionRedis } from './redis.provision';
import { acquireLock, releaseLock } from './supervisor-lock';
import { terminateInOrder } from './teardown';

const READY_TIMEOUT_MS = 180_000;

export interface ClusterOptions {
  /** The cluster directory (absolute; see `clusterDir`). */
  readonly dir: string;
  /** Default: one per 2 cores, at least 2. */
  readonly workers?: number;
  /** Default: the current directory and /usr/share/datasets, those that exist. */
  readonly dataRoots?: readonly string[];
  /** REST port; default 8080 when free, else a free one. */
  readonly port?: number;
  /** Rendezvous gRPC port; default a free one. */
  readonly grpcPort?: number;
  /** Recorded in the state: `up --detach` runs the supervisor in the background. */
  readonly detached?: boolean;
  /** The supervisor's own log (`-`: the terminal). */
  readonly supervisorLog?: string;
  /** Compute backend for the workers (REPVGG_BACKEND). */
  readonly backend?: string;
  /** The environment the children inherit (REDIS_URL is read from it); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress and problems, one line each (default: stderr). */
  readonly log?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** Aborts start-up: whatever was started is stopped and the promise rejects. */
  readonly signal?: AbortSignal;
}

export interface RunningCluster {
  /** What `cluster.json` says (processes that ended carry `exited`). */
  readonly state: ClusterState;
  /** Stops every process (workers, coordinator, then Redis) and removes the state file. */
  stop(): Promise<void>;
  /** A second interrupt: SIGKILL everything that still runs. */
  kill(): void;
}

export const defaultWorkerCount = (): number => Math.max(2, Math.floor(availableParallelism() / 2));

/**
 * A supervisor that was killed (SIGKILL, a crash) leaves its state and maybe live children behind;
 * a second private redis-server on the same append-only file would corrupt it.
 */
function refuseLeftovers(dir: string): void {
  const stale = readClusterState(dir);
  if (stale === undefined) return;
  const alive = stale.processes.filter(
    (p) => p.role !== 'supervisor' && isAlive(p.pid, markerOf(p.role)),
  );
  if (alive.length > 0) {
    throw new UsageError(
      `processes of an earlier cluster in ${dir} still run (${alive.map((p) => `${p.name} pid ${p.pid}`).join(', ')})`,
      `stop them with \`repvgg cluster down --dir ${dir}\``,
    );
  }
  removeClusterState(dir);
}

/** Stable per directory, so a later `up` finds the same jobs in a shared Redis. */
const redisPrefixOf = (dir: string): string =>
  `repvgg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;

/**
 * Brings a local cluster up in `opts.dir`: Redis (REDIS_URL or a private redis-server), the
 * coordinator and the workers as child processes of this one (the supervisor), then writes
 * `cluster.json`. Resolves once the coordinator is ready and every worker has registered.
 */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const say = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = opts.env ?? process.env;
  const workers = opts.workers ?? defaultWorkerCount();
  const dataRoots = dataRootsOf(opts.dataRoots);
  mkdirSync(join(opts.dir, 'logs'), { recursive: true });
  const dir = realpathSync(opts.dir);
  const logs = join(dir, 'logs');
  const artifacts = join(dir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  acquireLock(dir);
  try {
    refuseLeftovers(dir);
  } catch (err) {
    releaseLock(dir);
    throw err;
  }

  let state: ClusterState | undefined;
  const children = new ChildProcesses((p) => {
    const how = p.exited?.signal ?? `code ${String(p.exited?.code)}`;
    say(
      `${p.name} (pid ${p.pid}) exited unexpectedly (${how}): ${lastLogLine(p.log)}; log ${p.log}`,
    );
    if (state !== undefined) {
      state = { ...state, processes: [supervisor, ...children.list()] };
      writeClusterState(dir, state);
    }
  });
  const supervisor: ClusterProcess = {
    role: 'supervisor',
    name: 'supervisor',
    pid: process.pid,
    log: opts.supervisorLog ?? '-',
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      children.markStopping();
      await terminateInOrder(children.list(), say);
      removeClusterState(dir);
      releaseLock(dir);
    })());

  try {
    const token = ensureClusterToken(dir);
    // Secure by default: the rendezvous admits only workers holding this cluster's worker token.
    const workerToken = ensureClusterToken(dir, CLUSTER_WORKER_TOKEN_FILE);
    // And mutual TLS on the rendezvous and both collective planes, from the cluster's own CA.
    const tls = ensureClusterTls(dir);
    const redis = await provisionRedis(dir, join(logs, 'redis.log'), env, children, say);
    const port = await choosePort(opts.port, '--port', PREFERRED_HTTP_PORT);
    if (opts.port === undefined && port !== PREFERRED_HTTP_PORT) {
      say(`port ${PREFERRED_HTTP_PORT} is in use; the coordinator listens on ${port}`);
    }
    const grpcPort = await choosePort(opts.grpcPort, '--grpc-port');
    const prefix = redisPrefixOf(dir);
    const bin = repvggCommand();
    const base: NodeJS.ProcessEnv = {
      ...env,
      REPVGG_ARTIFACTS: artifacts,
      ...(opts.backend === undefined ? {} : { REPVGG_BACKEND: opts.backend }),
    };
    // The token file is the one credential; tokens inherited from the caller's shell are not.
    delete base.REPVGG_API_TOKENS;
    delete base.REPVGG_WORKER_TOKENS;
    delete base.REPVGG_WORKER_TOKEN;
    delete base.REPVGG_TLS_DIR;
    const coordinatorLog = join(logs, 'coordinator.log');
    await children.spawn({
      role: 'coordinator',
      name: 'coordinator',
      command: bin.command,
      args: [...bin.args, 'coordinator'],
      env: {
        ...base,
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        HOST: '127.0.0.1',
        // Its log is a file: no terminal colour codes in it.
        NO_COLOR: '1',
        REDIS_URL: redis.url,
        REPVGG_REDIS_PREFIX: prefix,
        REPVGG_API_TOKEN_FILE: token.file,
        REPVGG_WORKER_TOKEN_FILE: workerToken.file,
        REPVGG_TLS_DIR: tls.coordinator,
        REPVGG_DATA_ROOTS: dataRoots.join(':'),
      },
      log: coordinatorLog,
    });
    const rendezvous = `127.0.0.1:${grpcPort}`;
    for (let i = 1; i <= workers; i++) {
      await children.spawn({
        role: 'worker',
        name: `worker-${i}`,
        command: bin.command,
        args: [
          ...bin.args,
          'worker',
          '--coordinator',
          rendezvous,
          '--token-file',
          workerToken.file,
          '--tls-dir',
          tls.worker,
        ],
        env: base,
        log: join(logs, `worker-${i}.log`),
      });
    }
    const coordinatorUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady({
      url: coordinatorUrl,
      token: readFileSync(token.file, 'utf8').trim(),
      workers,
      timeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
      failure: () => {
        const dead = children.list().find((p) => p.exited !== undefined);
        return dead === undefined
          ? undefined
          : `the ${dead.name} exited during start-up (${lastLogLine(dead.log)}); see ${dead.log}`;
      },
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    state = {
      version: 1,
      dir,
      coordinatorUrl,
      rendezvous,
      tokenFile: token.file,
      redis: { url: redis.url, managed: redis.managed, prefix },
      dataRoots,
      artifacts,
      detached: opts.detached ?? false,
      startedAt: new Date().toISOString(),
      processes: [supervisor, ...children.list()],
    };
    writeClusterState(dir, state);
    const initial = state;
    return {
      get state() {
        return state ?? initial;
      },
      stop,
      kill: () => {
        children.killAll();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
