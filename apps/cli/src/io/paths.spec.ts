import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage.error';
import { requireCreatableDir } from './paths';

describe('requireCreatableDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'repvgg-paths-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('accepts an existing directory and missing levels below one, creating nothing', () => {
    expect(() => {
      requireCreatableDir(root);
    }).not.toThrow();
    expect(() => {
      requireCreatableDir(join(root, 'out', 'fashion-mnist'));
    }).not.toThrow();
    expect(() => {
      requireCreatableDir(join(root, 'out'));
    }).not.toThrow();
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('refuses a path under a file, naming the file', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => {
      requireCreatableDir(join(file, 'out'));
    }).toThrow(UsageError);
    expect(() => {
      requireCreatableDir(file);
    }).toThrow(/a-file is a file, not a directory/);
  });
});
