import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinator, type RunningCoordinator } from '@repvgg/coordinator';
import { freePort, startRedis, stopRedis } from '../support/private-redis';
import { until } from './coordinator.harness';

/** Kubernetes' default probe timeoutSeconds: a readiness answer later than this counts as a failure. */
const KUBELET_PROBE_TIMEOUT_MS = 1_000;

describe('readiness against a Redis that goes away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-'));
  let port = 0;
  let redis: ChildProcess | undefined;
  let coordinator: RunningCoordinator | undefined;
  const status = async (path: string): Promise<number> =>
    (await fetch(`http://127.0.0.1:${String(coordinator?.httpPort)}${path}`)).status;
  const timed = async (path: string): Promise<{ code: number; ms: number }> => {
    const t0 = performance.now();
    const code = await status(path);
    return { code, ms: performance.now() - t0 };
  };
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

  it('answers 503 on the first probe after Redis dies, within the probe timeout, stays live, and is ready again when it returns', async () => {
    expect(await status('/health/ready')).toBe(200);
    expect(await status('/health/live')).toBe(200);

    if (redis !== undefined) await stopRedis(redis);
    expect(redisDown()).toBe(true);
    // No polling: the very first probe after Redis went away says 503, and every probe answers inside the
    // kubelet's 1 s probe timeout (redis-ping.ts caps the wait for PING below it). A loaded machine may
    // slow any request, so the bound adds what a Redis-free /health/live sent alongside takes right now.
    for (let probe = 0; probe < 3; probe++) {
      const [ready, live] = await Promise.all([timed('/health/ready'), timed('/health/live')]);
      expect(ready.code, `probe ${String(probe)}`).toBe(503);
      expect(live.code).toBe(200);
      expect(ready.ms, `probe ${String(probe)}`).toBeLessThan(KUBELET_PROBE_TIMEOUT_MS + live.ms);
    }

    redis = await startRedis(port, dir);
    await until(
      async () => (await status('/health/ready')) === 200,
      '/health/ready to recover',
      10_000,
    );
  }, 30_000);
});
