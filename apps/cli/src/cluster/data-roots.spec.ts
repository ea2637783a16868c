import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage.error';
import { dataRootsOf } from './data-roots';

describe('dataRootsOf', () => {
  it('keeps the default roots that exist, once each', () => {
    const roots = dataRootsOf(undefined);
    expect(roots).toContain(process.cwd());
    expect(new Set(roots).size).toBe(roots.length);
  });

  it('resolves asked roots and refuses one that does not exist or cannot be written into REPVGG_DATA_ROOTS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roots-'));
    expect(dataRootsOf([dir, `${dir}/.`])).toEqual([dir]);
    expect(() => dataRootsOf([join(dir, 'missing')])).toThrow(UsageError);
    // REPVGG_DATA_ROOTS separates roots with ':' or ','.
    const colon = join(dir, 'a:b');
    mkdirSync(colon);
    expect(() => dataRootsOf([colon])).toThrow(/contains ':' or ','/);
  });
});
