import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator, type RunningCoordinator } from '@repvgg/coordinator';
import { until } from './coordinator.harness';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A throwaway redis-server without persistence, answering PING before this resolves. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await until(
      () => output.includes('Ready to accept connections'),
      'redis-server to start',
      5_000,
    );
  } catch (e) {
    await stopRedis(child);
    throw e;
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('readiness against a Redis that goes away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-'));
  let port = 0;
  let redis: ChildProcess | undefined;
  let coordinator: RunningCoordinator | undefined;
  const status = async (path: string): Promise<number> =>
    (await fetch(`http://127.0.0.1:${String(coordinator?.httpPort)}${path}`)).status;
  const redisDown = (): boolean =>
    redis === undefined || redis.exitCode !== null || redis.signalCode !== null;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port, dir);
    coordinator = await startCoordinator(
      {
        PORT: '0',
        GRPC_PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REPVGG_API_TOKENS: 'a-token-of-enough-length',
        REPVGG_DATA_ROOTS: dir,
        REPVGG_ARTIFACTS: join(dir, 'artifacts'),
      },
      { logger: false },
    );
  }, 20_000);

  afterAll(async () => {
    if (coordinator !== undefined) {
      // The coordinator closes its Redis connections gracefully, so it needs a Redis to say goodbye to.
      if (redisDown()) redis = await startRedis(port, dir);
      await coordinator.close();
    }
    if (redis !== undefined) await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('answers 503 within seconds of Redis dying, stays live, and is ready again when it returns', async () => {
    expect(await status('/health/ready')).toBe(200);
    expect(await status('/health/live')).toBe(200);

    if (redis !== undefined) await stopRedis(redis);
    expect(redisDown()).toBe(true);
    const died = Date.now();
    await until(
      async () => (await status('/health/ready')) === 503,
      '/health/ready to say 503',
      5_000,
    );
    expect(Date.now() - died).toBeLessThan(5_000);
    expect(await status('/health/live')).toBe(200);
    const started = Date.now();
    expect(await status('/health/ready')).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_000);

    redis = await startRedis(port, dir);
    await until(
      async () => (await status('/health/ready')) === 200,
      '/health/ready to recover',
      10_000,
    );
  }, 30_000);
});
