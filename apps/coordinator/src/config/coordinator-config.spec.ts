import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { loadCoordinatorConfig } from './coordinator-config';

const TOKEN = 'a-token-of-32-characters-000000000';
const ok = { REPVGG_API_TOKENS: TOKEN, REPVGG_DATA_ROOTS: '/data:/more', REPVGG_ARTIFACTS: '/art' };

const fails = (env: Record<string, string>): string => {
  try {
    loadCoordinatorConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadCoordinatorConfig', () => {
  it('reads worker tokens from REPVGG_WORKER_TOKENS and REPVGG_WORKER_TOKEN_FILE; none admits any worker', () => {
    expect(loadCoordinatorConfig(ok).workerTokens).toEqual([]);
    const file = join(mkdtempSync(join(tmpdir(), 'wtok-')), 'tokens');
    writeFileSync(file, 'worker-token-from-file-01\n');
    expect(
      loadCoordinatorConfig({
        ...ok,
        REPVGG_WORKER_TOKENS: 'worker-token-inline-0001',
        REPVGG_WORKER_TOKEN_FILE: file,
      }).workerTokens,
    ).toEqual(['worker-token-inline-0001', 'worker-token-from-file-01']);
    expect(fails({ ...ok, REPVGG_WORKER_TOKENS: 'short' })).toBe(
      'invalid configuration: REPVGG_WORKER_TOKENS: every token must be at least 16 characters',
    );
    expect(fails({ ...ok, REPVGG_WORKER_TOKEN_FILE: '/nonexistent/tokens' })).toMatch(
      /^invalid configuration: REPVGG_WORKER_TOKEN_FILE: cannot read \/nonexistent\/tokens/,
    );
  });

  it('parses the environment with defaults', () => {
    expect(loadCoordinatorConfig(ok)).toMatchObject({
      port: 8080,
      grpcPort: 50051,
      redisUrl: 'redis://127.0.0.1:6379',
      apiTokens: [TOKEN],
      dataRoots: ['/data', '/more'],
      artifactsRoot: '/art',
    });
  });

  it('reads tokens from a mounted file as well', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tok-')), 'tokens');
    writeFileSync(file, 'first-token-0123456789\nsecond-token-0123456789\n');
    const { REPVGG_API_TOKENS: _, ...rest } = ok;
    expect(loadCoordinatorConfig({ ...rest, REPVGG_API_TOKEN_FILE: file }).apiTokens).toEqual([
      'first-token-0123456789',
      'second-token-0123456789',
    ]);
  });

  it.each([
    [{ ...ok, PORT: 'eighty' }, /PORT/],
    [{ ...ok, REDIS_URL: 'http://x' }, /REDIS_URL/],
    [{ ...ok, REPVGG_DATA_ROOTS: 'relative' }, /REPVGG_DATA_ROOTS/],
    [
      { REPVGG_DATA_ROOTS: '/d', REPVGG_ARTIFACTS: '/a' },
      /REPVGG_API_TOKENS or REPVGG_API_TOKEN_FILE/,
    ],
    [{ ...ok, REPVGG_API_TOKENS: 'short' }, /at least 16/],
    [{ ...ok, REPVGG_API_TOKEN_FILE: '/nonexistent/tokens' }, /cannot read/],
    [{ ...ok, REPVGG_ARTIFACTS: undefined as unknown as string }, /REPVGG_ARTIFACTS/],
  ])('refuses a bad environment with one line naming the variable (%#)', (env, message) => {
    const line = fails(env);
    expect(line).toMatch(message);
    expect(line).not.toContain('\n');
  });
});
