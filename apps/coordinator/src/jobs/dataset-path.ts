import { realpath } from 'node:fs/promises';
import { isAbsolute, normalize, relative, sep } from 'node:path';

/** The dataset path names something outside REPVGG_DATA_ROOTS. */
export class DatasetPathError extends Error {
  override readonly name = 'DatasetPathError';
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

/**
 * Confines a user-supplied dataset path to the configured roots: absolute, no `..` segment, and
 * (when it exists) its real path, symlinks resolved, still under a root. A path that does not exist
 * yet passes here; preparing the job reports it missing.
 */
export async function confineDatasetPath(path: string, roots: readonly string[]): Promise<string> {
  if (!isAbsolute(path)) throw new DatasetPathError('must be an absolute path');
  if (path.split(/[\\/]/).includes('..')) throw new DatasetPathError('must not contain ".."');
  const clean = normalize(path);
  const realRoots = await Promise.all(
    roots.map(async (r) => (await realOrNull(r)) ?? normalize(r)),
  );
  if (!roots.some((r) => inside(normalize(r), clean)) && !realRoots.some((r) => inside(r, clean))) {
    throw new DatasetPathError(`must be inside one of the data roots (${roots.join(', ')})`);
  }
  const real = await realOrNull(clean);
  if (real !== null && !realRoots.some((r) => inside(r, real))) {
    throw new DatasetPathError('resolves (through a symlink) outside the data roots');
  }
  return clean;
}
