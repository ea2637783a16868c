import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, startCoordinator } from '../../apps/coordinator/src';

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
