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
    const client = new AbortController();
    const stream = await fetch(`${h.url()}/v1/jobs/${id}/events`, {
      headers,
      signal: client.signal,
    });
    const reading = stream.text();
    // Without workers the job stays running, so only the shutdown can end this stream.
    await until(async () => {
      const job = (await (await fetch(`${h.url()}/v1/jobs/${id}`, { headers })).json()) as {
        state: string;
      };
      return job.state === 'running';
    }, 'the job to run');
    // The client never leaves on its own, so a shutdown that waited for it would never finish: the
    // deadline only turns that hang into a clear failure, and sits far above what any load costs.
    let deadline: NodeJS.Timeout | undefined;
    const closing = h.close();
    const outcome = await Promise.race([
      closing.then(() => 'closed'),
      new Promise((resolve) => (deadline = setTimeout(resolve, 15_000, 'still waiting'))),
    ]);
    clearTimeout(deadline);
    try {
      expect(outcome, 'the shutdown waits for the event-stream client').toBe('closed');
      expect(await reading).toMatch(/event: state/);
    } finally {
      client.abort();
      await Promise.allSettled([reading, closing]);
    }
  }, 60_000);
});
