import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '../coordinator/coordinator.harness';
import { ensureBuilt, runCli, stderrLines } from './cli-harness';
import { tempDir } from './cli-fixtures';
import {
  closedPort,
  detachedUpArgs,
  readState,
  spawnRepvgg,
  statusSchema,
  survivors,
} from './cluster.support';

/** Stopping must end every process within seconds; the margin is for a loaded 2-core machine. */
const STOP_MS = 15_000;

const opensslPath = (): string => execFileSync('which', ['openssl'], { encoding: 'utf8' }).trim();

async function workersSeen(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/v1/workers`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as unknown[]).length;
}

describe('repvgg cluster: a local cluster of real processes', () => {
  const base = tempDir();
  const dir = join(base, 'cluster');
  const dataRoot = join(base, 'data');
  let sharedPrefix: string | undefined;

  beforeAll(() => {
    ensureBuilt();
    mkdirSync(dataRoot);
  });
  afterAll(async () => {
    runCli(['cluster', 'down', '--dir', dir]);
    if (sharedPrefix !== undefined) {
      await deleteKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', sharedPrefix);
    }
  });

  it('up --detach with no Redis at REDIS_URL: a private redis-server (AOF), token 0600, status, down leaves no process', async () => {
    const up = runCli(detachedUpArgs(dir, dataRoot), {
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/no Redis answers at REDIS_URL .*started a private redis-server/);
    expect(up.stdout).toMatch(/coordinator\s+http:\/\/127\.0\.0\.1:\d+/);

    const status = runCli(['cluster', 'status', '--dir', dir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const s = statusSchema.parse(JSON.parse(status.stdout));
    expect(s.ready).toBe(true);
    expect(s.detached).toBe(true);
    expect(s.redis.managed).toBe(true);
    expect(s.dataRoots).toEqual([dataRoot]);
    expect(s.processes.map((p) => p.role).sort()).toEqual(
      ['coordinator', 'redis', 'supervisor', 'worker', 'worker'].sort(),
    );
    expect(s.processes.every((p) => p.alive)).toBe(true);
    expect(readdirSync(dir)).toContain('appendonlydir');

    expect(statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(s.tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{32,}$/);
    expect(await workersSeen(s.coordinatorUrl, token)).toBe(2);
    // Secure by default: the rendezvous requires the cluster's worker token, and both workers held it.
    const workerToken = join(dir, 'worker-token');
    expect(statSync(workerToken).mode & 0o777).toBe(0o600);
    expect(readFileSync(workerToken, 'utf8').trim()).toMatch(/^[0-9a-f]{32,}$/);
    expect(readFileSync(join(dir, 'logs', 'coordinator.log'), 'utf8')).not.toContain(
      'the rendezvous admits any worker',
    );
    // And mutual TLS from the cluster's own CA, whose key is gone once it signed both certificates.
    expect(readFileSync(join(dir, 'logs', 'coordinator.log'), 'utf8')).toMatch(
      /rendezvous gRPC 127\.0\.0\.1:\d+ \(mutual TLS\)/,
    );
    expect(readdirSync(join(dir, 'tls')).sort()).toEqual(['coordinator', 'kubernetes', 'worker']);
    expect(statSync(join(dir, 'tls', 'worker', 'tls.key')).mode & 0o777).toBe(0o600);
    const anonymous = await fetch(`${s.coordinatorUrl}/v1/workers`);
    expect(anonymous.status).toBe(401);

    const human = runCli(['cluster', 'status', '--dir', dir]);
    expect(human.stdout).toContain(s.coordinatorUrl);
    expect(human.stdout).toMatch(/worker-2\s+\d+\s+yes\s+\S+worker-2\.log/);

    const down = runCli(['cluster', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(
      await survivors(
        s.processes.map((p) => p.pid),
        STOP_MS,
      ),
    ).toEqual([]);
    expect(existsSync(join(dir, 'cluster.json'))).toBe(false);
    // Kept for the next `up`: the token, the logs and Redis's append-only file.
    expect(existsSync(s.tokenFile)).toBe(true);
    expect(existsSync(join(dir, 'logs', 'coordinator.log'))).toBe(true);
    expect(readdirSync(join(dir, 'appendonlydir')).length).toBeGreaterThan(0);

    const again = runCli(['cluster', 'status', '--dir', dir]);
    expect(again.code).toBe(1);
    expect(stderrLines(again)).toEqual([expect.stringMatching(/no local cluster is up in/)]);
  });

  it('foreground up on the same directory reuses its token, refuses a second up, and Ctrl-C stops every process', async () => {
    const token = readFileSync(join(dir, 'token'), 'utf8');
    const up = spawnRepvgg(
      ['cluster', 'up', '--workers', '1', '--dir', dir, '--data-root', dataRoot, '--port', '0'],
      { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    );
    await up.waitFor(/Ctrl-C stops it/, 90_000);
    const state = readState(dir);
    sharedPrefix = state.redis.prefix;
    expect(state.redis.managed).toBe(false);
    expect(state.detached).toBe(false);
    expect(readFileSync(state.tokenFile, 'utf8')).toBe(token);
    expect(await workersSeen(state.coordinatorUrl, token.trim())).toBe(1);

    const second = runCli(['cluster', 'up', '--dir', dir, '--port', '0']);
    expect(second.code).toBe(2);
    expect(stderrLines(second)).toEqual([
      expect.stringMatching(/already running in .*cluster down/),
    ]);

    // A process that dies while the cluster is up: the supervisor says so and status shows it.
    const worker = state.processes.find((p) => p.role === 'worker');
    process.kill(worker?.pid ?? 0, 'SIGKILL');
    await up.waitFor(/worker-1 \(pid \d+\) exited unexpectedly \(SIGKILL\)/, 15_000);
    const status = runCli(['cluster', 'status', '--dir', dir, '--json']);
    const dead = statusSchema
      .parse(JSON.parse(status.stdout))
      .processes.find((p) => p.role === 'worker');
    expect(dead).toMatchObject({ alive: false, exited: { signal: 'SIGKILL' } });

    up.child.kill('SIGINT');
    const exit = await up.exited;
    expect(exit.code, up.output()).toBe(0);
    expect(
      await survivors(
        state.processes.map((p) => p.pid),
        STOP_MS,
      ),
    ).toEqual([]);
    expect(existsSync(join(dir, 'cluster.json'))).toBe(false);
  });

  it('a detached cluster whose directory is removed stops every process', async () => {
    const gone = join(base, 'removed');
    const up = runCli(detachedUpArgs(gone, dataRoot), {
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    expect(up.code, up.stderr).toBe(0);
    const state = readState(gone);
    const pids = state.processes.map((p) => p.pid);
    expect(await survivors(pids, 0)).toEqual(pids);
    rmSync(gone, { recursive: true, force: true });
    expect(await survivors(pids, STOP_MS)).toEqual([]);
    await deleteKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', state.redis.prefix);
  });

  it('no Redis and no redis-server: one line naming the install command, exit 2, nothing left behind', async () => {
    // openssl only: the cluster's certificates are made before Redis is looked for.
    const onlyOpenssl = tempDir();
    symlinkSync(opensslPath(), join(onlyOpenssl, 'openssl'));
    const missing = join(base, 'missing');
    const r = runCli(['cluster', 'up', '--detach', '--dir', missing, '--data-root', dataRoot], {
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      PATH: onlyOpenssl,
    });
    expect(r.code).toBe(2);
    const lines = stderrLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^repvgg: .*redis-server is not installed; run `apt-get install -y redis-server`/,
    );
    expect(existsSync(join(missing, 'cluster.json'))).toBe(false);
    expect(existsSync(join(missing, 'supervisor.pid'))).toBe(false);
  });

  it('no openssl: one line naming the install command, exit 2, no process started', () => {
    const missing = join(base, 'no-openssl');
    const r = runCli(['cluster', 'up', '--detach', '--dir', missing, '--data-root', dataRoot], {
      PATH: tempDir(),
    });
    expect(r.code).toBe(2);
    const lines = stderrLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^repvgg: cannot run openssl to make the cluster's TLS certificates \(ENOENT\); install it: apt-get install openssl/,
    );
    expect(existsSync(join(missing, 'cluster.json'))).toBe(false);
    expect(existsSync(join(missing, 'tls'))).toBe(false);
  });
});
