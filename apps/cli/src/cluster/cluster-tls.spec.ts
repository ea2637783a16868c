import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTlsDir } from '@repvgg/contracts/tls/tls-dir';
import { ensureClusterTls } from './cluster-tls';

const dir = mkdtempSync(join(tmpdir(), 'cluster-tls-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const certOf = (tlsDir: string, name = 'tls.crt'): X509Certificate =>
  new X509Certificate(readFileSync(join(tlsDir, name)));

describe('ensureClusterTls', () => {
  it('makes a CA and the three certificates once, keeps no CA key, and reuses them', () => {
    const first = ensureClusterTls(dir);
    expect(first.created).toBe(true);
    for (const role of [first.coordinator, first.worker, first.kubernetes]) {
      checkTlsDir(role);
      expect(readdirSync(role).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      expect(statSync(join(role, 'tls.key')).mode & 0o777).toBe(0o600);
      // signed by the shared CA
      expect(certOf(role).verify(certOf(first.coordinator, 'ca.crt').publicKey)).toBe(true);
    }
    expect(statSync(join(dir, 'tls')).mode & 0o077).toBe(0);
    expect(certOf(first.coordinator).checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certOf(first.worker).checkHost('repvgg-worker')).toBe('repvgg-worker');
    expect(certOf(first.worker).checkIP('127.0.0.1')).toBeUndefined();
    // One certificate for every pod of k8s/base: workers dial repvgg-coordinator and each other.
    expect(certOf(first.kubernetes).checkHost('repvgg-coordinator')).toBe('repvgg-coordinator');
    expect(certOf(first.kubernetes).checkHost('repvgg-worker')).toBe('repvgg-worker');
    expect(existsSync(join(dir, 'tls', 'ca'))).toBe(false);

    const again = ensureClusterTls(dir);
    expect(again.created).toBe(false);
    expect(certOf(again.worker).fingerprint256).toBe(certOf(first.worker).fingerprint256);
  });

  it('makes them again when a file is gone', () => {
    const before = certOf(ensureClusterTls(dir).coordinator).fingerprint256;
    rmSync(join(dir, 'tls', 'worker', 'tls.key'));
    const after = ensureClusterTls(dir);
    expect(after.created).toBe(true);
    expect(certOf(after.coordinator).fingerprint256).not.toBe(before);
    checkTlsDir(after.worker);
  });
});
