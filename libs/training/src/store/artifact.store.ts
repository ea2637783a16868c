import { cp, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StorePathError } from './store.error';
import { isValidStorePath } from './store-layout';

/**
 * The artifact store: one directory tree (local disk or a shared volume) that each process opens
 * at its own mount point. Everything that crosses a process boundary is a path relative to the root
 * (`store-layout.ts`), resolved here on each side, so the coordinator and its workers need not
 * mount the store at the same place.
 */
export class ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The absolute location of a store path on this machine; refuses anything that would escape. */
  path(storePath: string): string {
    if (!isValidStorePath(storePath)) throw new StorePathError(storePath);
    return join(this.root, ...storePath.split('/'));
  }

  /** The folder at `storePath`, created when missing. */
  async ensureDir(storePath: string): Promise<string> {
    const dir = this.path(storePath);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * The real location of an existing file or folder `name` inside the folder `base` (both store
   * paths; `base` '' is the root), with symbolic links resolved; undefined when it is missing, of the other kind, or a link
   * leads outside `base`.
   */
  async locate(base: string, name: string, kind: 'file' | 'dir'): Promise<string | undefined> {
    if (!isValidStorePath(name)) throw new StorePathError(name);
    try {
      const dir = await realpath(base === '' ? this.root : this.path(base));
      const real = await realpath(join(dir, ...name.split('/')));
      if (!isInside(dir, real)) return undefined;
      const s = await stat(real);
      return (kind === 'dir' ? s.isDirectory() : s.isFile()) ? real : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Replaces the folder `to` with a copy of the folder `from`: copied into a hidden sibling first and
   * renamed into place, so a reader never sees half a copy.
   */
  async copyDir(from: string, to: string): Promise<void> {
    const source = this.path(from);
    const target = this.path(to);
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    await rm(tmp, { recursive: true, force: true });
    await cp(source, tmp, { recursive: true, errorOnExist: false });
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  }

  /** Deletes a file or folder of the store; a missing one is not an error. */
  async remove(storePath: string): Promise<void> {
    await rm(this.path(storePath), { recursive: true, force: true });
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
