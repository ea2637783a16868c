import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage.error';
import { ensureClusterToken } from './cluster-token';

const dir = (): string => mkdtempSync(join(tmpdir(), 'cluster-token-'));

describe('ensureClusterToken', () => {
  it('generates 64 hex characters once, readable by the owner only, and keeps them', () => {
    const d = dir();
    const first = ensureClusterToken(d);
    expect(first.created).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const token = readFileSync(first.file, 'utf8');
    expect(token.trim()).toMatch(/^[0-9a-f]{64}$/);
    const second = ensureClusterToken(d);
    expect(second).toEqual({ file: first.file, created: false });
    expect(readFileSync(second.file, 'utf8')).toBe(token);
    expect(ensureClusterToken(dir()).file).not.toBe(first.file);
  });

  it('narrows a widened mode back to 0600 and refuses a file without a usable token', () => {
    const d = dir();
    const { file } = ensureClusterToken(d);
    chmodSync(file, 0o644);
    ensureClusterToken(d);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'short\n');
    expect(() => ensureClusterToken(d)).toThrow(UsageError);
  });
});
