import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confineDatasetPath, DatasetPathError } from './dataset-path';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'confine-'));
  root = join(base, 'data');
  mkdirSync(join(root, 'mnist'), { recursive: true });
  mkdirSync(join(base, 'secret'));
  symlinkSync(join(base, 'secret'), join(root, 'escape'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('confineDatasetPath', () => {
  it('accepts paths under a root, existing or not', async () => {
    await expect(confineDatasetPath(join(root, 'mnist'), [root])).resolves.toBe(
      join(root, 'mnist'),
    );
    await expect(confineDatasetPath(join(root, 'later'), [root])).resolves.toBe(
      join(root, 'later'),
    );
  });

  it.each([
    ['relative', 'data/mnist', /absolute/],
    ['dot-dot', '/x/../y', /\.\./],
    ['outside', '/etc', /data roots/],
  ])('refuses a %s path', async (_, path, message) => {
    await expect(confineDatasetPath(path, [root])).rejects.toThrow(message);
  });

  it('refuses a symlink that leads out of the roots', async () => {
    await expect(confineDatasetPath(join(root, 'escape'), [root])).rejects.toBeInstanceOf(
      DatasetPathError,
    );
  });
});
