import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors/usage.error';

/** Datasets a local cluster's jobs may read unless `--data-root` says otherwise (those that exist). */
export const DEFAULT_DATA_ROOTS = (): string[] => [process.cwd(), '/usr/share/datasets'];

/** Absolute, existing, and expressible in REPVGG_DATA_ROOTS (':'- or ','-separated). */
export function dataRootsOf(asked: readonly string[] | undefined): string[] {
  const roots = (asked ?? DEFAULT_DATA_ROOTS()).map((r) => resolve(r));
  if (asked !== undefined) {
    const missing = roots.find((r) => !existsSync(r));
    if (missing !== undefined) {
      throw new UsageError(`data root ${missing} does not exist`, 'check the --data-root path');
    }
  }
  const bad = roots.find((r) => /[:,]/.test(r));
  if (bad !== undefined) {
    throw new UsageError(`data root ${bad} contains ':' or ','`, 'pass a path without them');
  }
  return [...new Set(roots.filter((r) => existsSync(r)))];
}
