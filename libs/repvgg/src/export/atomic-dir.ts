import { readdir, rename, rm } from 'node:fs/promises';

/** Whether `dir` holds files: undefined when it does not exist. */
export async function isNonEmptyDir(dir: string): Promise<boolean | undefined> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Moves a finished temporary directory (a sibling of `outDir`, so rename is atomic) into place.
 * A previous directory stays until the new one is in place, and is restored if that fails.
 */
export async function publish(
  tmp: string,
  outDir: string,
  existing: boolean | undefined,
): Promise<void> {
  if (existing === undefined) {
    await rename(tmp, outDir);
    return;
  }
  const old = `${tmp}.old`;
  await rename(outDir, old);
  try {
    await rename(tmp, outDir);
  } catch (e) {
    await rename(old, outDir);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}
