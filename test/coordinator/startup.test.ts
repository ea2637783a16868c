import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, startCoordinator } from '@repvgg/coordinator';
import { startHarness, TOKEN, until, writeIdxDataset } from './coordinator.harness';

const base = mkdtempSync(join(tmpdir(), 'startup-'));
const env = {
  PORT: '0',
  GRPC_PORT: '0',
  HOST: '127.0.0.1',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REPVGG_API_TOKENS: 'a-token-of-enough-length',
  REPVGG_DATA_ROOTS: base,
  REPVGG_ARTIFACTS: join(base, 'artifacts'),
};

describe('startCoordinator', () => {
  it.each([
    [{ REPVGG_DATA_ROOTS: join(base, 'missing') }, /REPVGG_DATA_ROOTS: .* is not a directory/],
    [{ REDIS_URL: 'redis://127.0.0.1:1' }, /REDIS_URL: no Redis answers/],
  ])('refuses to start with one clear line (%#)', async (override, message) => {
    const err = await startCoordinator({ ...env, ...override }, { logger: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('shutdown', () => {
  it('ends open event streams instead of waiting for their clients', async () => {
    const h = await startHarness();
    writeIdxDataset(join(h.dataRoot, 'tiny'), 16);
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const res = await fetch(`${h.url()}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        dataset: { source: 'idx', path: join(h.dataRoot, 'tiny') },
        globalBatch: 8,
      }),
    });
    const { id } = (await res.json()) as { id: string };
    const stream = await fetch(`${h.url()}/v1/jobs/${id}/events`, { headers });
    const reading = stream.text();
    // Without workers the job stays running, so only the shutdown can end this stream.
    await until(async () => {
      const job = (await (await fetch(`${h.url()}/v1/jobs/${id}`, { headers })).json()) as {
        state: string;
      };
      return job.state === 'running';
    }, 'the job to run');
    const started = Date.now();
    await h.close();
    expect(await reading).toMatch(/event: state/);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);
});
