import { setTimeout as delay } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { LinkCutter } from './link-cut';

/** The repository: two levels up from the sources, three from the build (dist/bench/chaos). */
const ROOT =
  [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].find((d) =>
    existsSync(join(d, 'bin', 'repvgg.js')),
  ) ?? join(__dirname, '..', '..');
const REPVGG = join(ROOT, 'bin', 'repvgg.js');
const TOKEN = 'chaos-token-0123456789abcdef';

export interface ChaosClusterOptions {
  /** Holds Redis' AOF, the data root, the artifact store and every process' log. */
  readonly dir: string;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  /** BullMQ's lock on a shard: how long a SIGKILLed coordinator's shard stays taken. */
  readonly queueLockMs: number;
  /** Runs each worker in a cgroup of its own, so cut-link can cut its data links. */
  readonly links?: LinkCutter;
}

/** One `repvgg worker` child process. */
export interface ChaosWorker {
  readonly name: string;
  readonly pid: number;
  /** host:port of its Collective server: what GET /v1/workers names it by. */
  readonly address: string;
  /** Its raw-TCP data plane's port. */
  readonly dataPort: number;
  /** Its cgroup, when the cluster has a LinkCutter. */
  readonly cgroup?: string;
  readonly child: ChildProcess;
}

/** A free loopback port (closed again at once: a race with other processes is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
      });

/** True while a process with this pid exists (a zombie of ours counts until reaped). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The processes of one chaos run, all real children of this process: a private redis-server with
 * AOF, `repvgg coordinator` (restartable on the same ports) and `repvgg worker`s. It remembers every
 * pid it ever started, so the run can prove none is left.
 */
export class ChaosCluster {
  readonly token = TOKEN;
  readonly dataRoot: string;
  readonly artifacts: string;
  readonly pids = new Set<number>();
  readonly workers: ChaosWorker[] = [];
  private redis: ChildProcess | undefined;
  private coordinator: ChildProcess | undefined;
  private spawned = 0;

  private constructor(
    private readonly opts: ChaosClusterOptions,
    private readonly ports: { redis: number; http: number; grpc: number },
  ) {
    this.dataRoot = join(opts.dir, 'data');
    this.artifacts = join(opts.dir, 'artifacts');
    for (const d of [
      this.dataRoot,
      this.artifacts,
      join(opts.dir, 'redis'),
      join(opts.dir, 'logs'),
    ]) {
      mkdirSync(d, { recursive: true });
    }
  }

  static async start(opts: ChaosClusterOptions): Promise<ChaosCluster> {
    const ports = { redis: await freePort(), http: await freePort(), grpc: await freePort() };
    const cluster = new ChaosCluster(opts, ports);
    try {
      await cluster.startRedis();
      await cluster.startCoordinator();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  get coordinatorPid(): number | undefined {
    return this.coordinator?.pid;
  }

  get redisPid(): number | undefined {
    return this.redis?.pid;
  }

  /** An authenticated REST call; resolves with the parsed JSON body, rejects on any non-2xx. */
  async api(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }

  /** The raw text of an authenticated GET (server-sent events). */
  async text(path: string): Promise<string> {
    const res = await fetch(`${this.url}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return res.text();
  }

  async startRedis(): Promise<void> {
    this.redis = this.launch('redis', 'redis-server', [
      '--port',
      String(this.ports.redis),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--save',
      '',
      '--dir',
      join(this.opts.dir, 'redis'),
    ]).child;
    await this.until(() => this.redisAnswers(), 'redis-server answering', 15_000, this.redis);
  }

  async startCoordinator(): Promise<void> {
    const env = {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(this.ports.http),
      GRPC_PORT: String(this.ports.grpc),
      REDIS_URL: `redis://127.0.0.1:${this.ports.redis}`,
      REPVGG_REDIS_PREFIX: 'chaos',
      REPVGG_API_TOKENS: TOKEN,
      REPVGG_DATA_ROOTS: this.dataRoot,
      REPVGG_ARTIFACTS: this.artifacts,
      REPVGG_HEARTBEAT_MS: String(this.opts.heartbeatMs),
      REPVGG_HEARTBEAT_TIMEOUT_MS: String(this.opts.heartbeatTimeoutMs),
      REPVGG_QUEUE_LOCK_MS: String(this.opts.queueLockMs),
      REPVGG_LOG_LINES: '200000',
    };
    this.coordinator = this.launch(
      'coordinator',
      process.execPath,
      [REPVGG, 'coordinator'],
      env,
    ).child;
    await this.until(
      async () => (await fetch(`${this.url}/health/ready`).catch(() => undefined))?.ok === true,
      'the coordinator ready',
      60_000,
      this.coordinator,
    );
  }

  async startWorker(): Promise<ChaosWorker> {
    const port = await freePort();
    const dataPort = await freePort();
    const name = this.nextName('worker');
    const cgroup = this.opts.links?.cgroupFor(name);
    const command = [
      process.execPath,
      REPVGG,
      '--backend',
      'cpu',
      'worker',
      '--coordinator',
      `127.0.0.1:${this.ports.grpc}`,
      '--port',
      String(port),
      '--data-port',
      String(dataPort),
      '--artifacts',
      this.artifacts,
    ];
    const wrapped =
      cgroup === undefined || this.opts.links === undefined
        ? { command: process.execPath, args: command.slice(1) }
        : this.opts.links.wrap(cgroup, process.execPath, command.slice(1));
    const child = this.spawnLogged(name, wrapped.command, wrapped.args);
    const w: ChaosWorker = {
      name,
      pid: child.pid ?? -1,
      address: `127.0.0.1:${port}`,
      dataPort,
      ...(cgroup === undefined ? {} : { cgroup }),
      child,
    };
    this.workers.push(w);
    void exited(child).then(() => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
    });
    return w;
  }

  /** SIGKILLs the coordinator and waits until it is gone. */
  async killCoordinator(): Promise<void> {
    const c = this.coordinator;
    c?.kill('SIGKILL');
    if (c !== undefined) await exited(c);
  }

  async killRedis(): Promise<void> {
    const r = this.redis;
    r?.kill('SIGKILL');
    if (r !== undefined) await exited(r);
  }

  /** Drains the workers (SIGTERM), then stops the coordinator and Redis; SIGKILL after a grace. */
  async stop(): Promise<void> {
    const workers = [...this.workers];
    await this.terminate(workers.map((w) => w.child));
    await this.terminate(this.coordinator === undefined ? [] : [this.coordinator]);
    await this.terminate(this.redis === undefined ? [] : [this.redis]);
  }

  /** Pids this cluster started that still exist. */
  leftovers(): number[] {
    return [...this.pids].filter(pidAlive);
  }

  private async terminate(children: readonly ChildProcess[]): Promise<void> {
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) {
      // A SIGSTOPped child must run again to act on SIGTERM.
      c.kill('SIGCONT');
      c.kill('SIGTERM');
    }
    const grace = delay(15_000).then(() => {
      for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
    await Promise.race([Promise.all(running.map(exited)), grace]);
    await Promise.all(running.map(exited));
  }

  private launch(
    role: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): { child: ChildProcess; name: string } {
    const name = this.nextName(role);
    return { child: this.spawnLogged(name, command, args, env), name };
  }

  private nextName(role: string): string {
    return `${role}-${this.spawned++}`;
  }

  private spawnLogged(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    const log = createWriteStream(join(this.opts.dir, 'logs', `${name}.log`));
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    if (child.pid !== undefined) this.pids.add(child.pid);
    return child;
  }

  private async redisAnswers(): Promise<boolean> {
    const { Redis } = await import('ioredis');
    const r = new Redis(`redis://127.0.0.1:${this.ports.redis}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return true;
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }

  private async until(
    check: () => Promise<boolean>,
    what: string,
    timeoutMs: number,
    child: ChildProcess,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${what}: the process exited (${String(child.exitCode ?? child.signalCode)}); see ${this.opts.dir}/logs`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; see ${this.opts.dir}/logs`);
      await delay(100);
    }
  }
}
