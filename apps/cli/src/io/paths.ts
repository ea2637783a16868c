import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MissingFileError, UsageError } from '../errors/usage.error';

/** Fails with a usage error unless `path` is an existing regular file. */
export function requireFile(what: string, path: string): void {
  if (!existsSync(path)) throw new MissingFileError(what, path);
  if (statSync(path).isDirectory()) {
    throw new UsageError(`${what} ${path} is a directory`, 'pass a file');
  }
}

/** Fails with a usage error unless the directory that will hold `path` exists. */
export function requireParentDir(path: string): void {
  const parent = dirname(resolve(path));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw new UsageError(`output directory ${parent} does not exist`, 'create it first');
  }
}

/**
 * Fails with a usage error unless `path` can be a directory: it is one already, or its nearest
 * existing ancestor is one (the missing levels are created when the first file is written, so bad
 * input leaves nothing behind).
 */
export function requireCreatableDir(path: string): void {
  let existing = resolve(path);
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`${existing} is a file, not a directory`, 'choose another output path');
  }
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function isNonEmptyDirectory(path: string): boolean {
  return isDirectory(path) && readdirSync(path).length > 0;
}
