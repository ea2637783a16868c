import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_STATE_FILE } from '../cluster/cluster-state';
import { resolveConnection } from './connection';

function cluster(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conn-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'cluster-token\n', { mode: 0o600 });
  // What `repvgg cluster up` writes (cluster-state.ts), as JSON on disk.
  const state = {
    version: 1,
    dir,
    coordinatorUrl: 'http://127.0.0.1:18080',
    rendezvous: '127.0.0.1:18081',
    tokenFile,
    redis: { url: 'redis://127.0.0.1:6379', managed: false, prefix: 'repvgg' },
    dataRoots: [dir],
    artifacts: join(dir, 'artifacts'),
    detached: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    processes: [],
  };
  writeFileSync(join(dir, CLUSTER_STATE_FILE), JSON.stringify(state));
  return dir;
}

describe('resolveConnection', () => {
  it("uses the local cluster's URL and token file when nothing else is given", () => {
    const dir = cluster();
    expect(resolveConnection({ clusterDir: dir }, {})).toEqual({
      url: 'http://127.0.0.1:18080',
      token: 'cluster-token',
      tokenSource: join(dir, 'token'),
    });
    expect(resolveConnection({}, { REPVGG_CLUSTER_DIR: dir }).token).toBe('cluster-token');
  });

  it('prefers flags over the environment over the cluster', () => {
    const dir = cluster();
    const env = { REPVGG_COORDINATOR: 'http://env:1/', REPVGG_TOKEN: 'env-token' };
    expect(resolveConnection({ clusterDir: dir }, env)).toEqual({
      url: 'http://env:1',
      token: 'env-token',
      tokenSource: 'REPVGG_TOKEN',
    });
    expect(
      resolveConnection({ clusterDir: dir, coordinator: 'http://flag:2', token: 't' }, env),
    ).toEqual({ url: 'http://flag:2', token: 't', tokenSource: '--token' });
  });

  it("never sends the cluster's token to another coordinator", () => {
    const dir = cluster();
    expect(
      resolveConnection({ clusterDir: dir, coordinator: 'http://elsewhere:8080' }, {}),
    ).toEqual({ url: 'http://elsewhere:8080', token: undefined, tokenSource: undefined });
  });

  it('says how to get a coordinator when there is none, and refuses a non-URL', () => {
    const empty = mkdtempSync(join(tmpdir(), 'conn-none-'));
    expect(() => resolveConnection({ clusterDir: empty }, {})).toThrow(
      /no coordinator given and no local cluster in .*; start one with `repvgg cluster up`/,
    );
    expect(() => resolveConnection({ coordinator: 'localhost:8080' }, {})).toThrow(/not http/);
  });
});
