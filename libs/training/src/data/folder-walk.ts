import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EmptyClassError } from './dataset.error';
import { mapLimit } from './limiter';

/** The extensions of the files a dataset folder holds as images (any case). */
export const IMAGE_EXTENSION = /\.(jpe?g|png)$/i;

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSION.test(name);
}

/** Code-unit order, as Python's sorted() orders ASCII folder names (localeCompare would not). */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface Listing {
  readonly dirs: string[];
  readonly images: string[];
  readonly others: number;
}

/** One readdir; symlinks are resolved with a stat only when there is one. */
async function list(dir: string): Promise<Listing> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const dirs: string[] = [];
  const images: string[] = [];
  let others = 0;
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    let directory = e.isDirectory();
    let file = e.isFile();
    if (e.isSymbolicLink()) {
      const s = await stat(join(dir, e.name)).catch(() => undefined);
      directory = s?.isDirectory() ?? false;
      file = s?.isFile() ?? false;
    }
    if (directory) dirs.push(e.name);
    else if (file && isImageFile(e.name)) images.push(e.name);
    else others++;
  }
  dirs.sort(byName);
  images.sort(byName);
  return { dirs, images, others };
}

export interface Group {
  readonly dir: string;
  readonly files: string[];
  readonly labels: number[];
}

/** Lists folders and records each one's mtime, which is what the cache later compares. */
export class Walk {
  readonly stamps: Record<string, number> = {};
  ignored = 0;

  constructor(readonly root: string) {}

  async list(rel: string): Promise<Listing> {
    const abs = join(this.root, rel);
    // Stat before listing: a change racing the build then shows up as a stale stamp, never a stale listing.
    this.stamps[rel === '' ? '.' : rel] = (await stat(abs)).mtimeMs;
    return list(abs);
  }

  /** Image files under `rel` and all its subfolders (as torchvision's ImageFolder walks), one group per folder. */
  async collect(rel: string, label: number): Promise<Group[]> {
    const listing = await this.list(rel);
    this.ignored += listing.others;
    const groups: Group[] = [
      { dir: rel, files: listing.images, labels: listing.images.map(() => label) },
    ];
    for (const sub of listing.dirs) groups.push(...(await this.collect(join(rel, sub), label)));
    return groups;
  }

  /** The groups of every class folder, walked in parallel; a class without images is an error. */
  async collectClasses(
    parent: string,
    classes: readonly string[],
    labelOf: (cls: string) => number,
  ): Promise<Group[]> {
    const perClass = await mapLimit(classes, 8, async (cls) => {
      const groups = await this.collect(join(parent, cls), labelOf(cls));
      if (groups.every((g) => g.files.length === 0))
        throw new EmptyClassError(join(this.root, parent, cls));
      return groups;
    });
    return perClass.flat();
  }
}
