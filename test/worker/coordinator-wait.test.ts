import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workerInfoSchema } from '@repvgg/contracts';
import { ensureBuilt } from '../cli/cli-harness';
import { closedPort, spawnRepvgg, type Spawned } from '../cli/cluster.support';
import { AUTH, startHarness, until, type Harness } from '../coordinator/coordinator.harness';

const registered = async (h: Harness): Promise<string[]> =>
  z
    .array(workerInfoSchema)
    .parse((await request(h.url()).get('/v1/workers').set(AUTH).expect(200)).body)
    .map((w) => w.id);

describe('a worker started before its coordinator', () => {
  let worker: Spawned | undefined;
  let h: Harness | undefined;

  beforeAll(() => {
    ensureBuilt();
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await h?.close();
  });

  it('waits with backoff instead of exiting, joins once the coordinator is up, and again after it restarts', async () => {
    const grpcPort = await closedPort();
    worker = spawnRepvgg(['worker', '--coordinator', `127.0.0.1:${grpcPort}`], {
      REPVGG_ARTIFACTS: mkdtempSync(join(tmpdir(), 'wait-artifacts-')),
    });
    await worker.waitFor(/waiting for the coordinator at 127\.0\.0\.1:\d+ \(attempt 1:/, 60_000);

    h = await startHarness({ GRPC_PORT: String(grpcPort) });
    const coordinator = h;
    let first: string[] = [];
    await until(
      async () => (first = await registered(coordinator)).length === 1,
      'the worker to register',
      30_000,
    );

    await coordinator.restart();
    await until(
      async () => (await registered(coordinator)).some((id) => !first.includes(id)),
      'the worker to register with the restarted coordinator',
      30_000,
    );
    // The gate of one line per 10 s is unit-tested (everyMs); here: it waited, then joined twice.
    await worker.waitFor(/registered as [\s\S]*registered as /, 10_000);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
  });
});
