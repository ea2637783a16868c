import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  DatasetNotFoundError,
  EmptyDatasetError,
  GroundTruthError,
  UnknownValidationClassError,
} from './dataset.error';
import { isDir, Walk, type Group } from './folder-walk';
import { groundTruthKey, parseGroundTruth } from './ground-truth';
import { mapLimit } from './limiter';

/** The samples of one split: sample i is `<root>/<dirs[dirOf[i]]>/<files[i]>` with label labels[i]. */
export interface ManifestSplit {
  readonly dirs: readonly string[];
  readonly dirOf: Uint32Array;
  readonly files: readonly string[];
  readonly labels: Int32Array;
}

export interface Manifest {
  readonly root: string;
  readonly classNames: readonly string[];
  readonly train: ManifestSplit;
  readonly val: ManifestSplit | undefined;
  /** sha256 of every sample's relative path, label, size and mtime (not of file contents). */
  readonly contentHash: string;
  /**
   * mtimeMs of every folder walked and of the ground-truth file, by path relative to the root: a
   * folder's mtime changes whenever an entry is added, removed or renamed in it, so these detect any
   * change of the listing without touching the files.
   */
  readonly stamps: Readonly<Record<string, number>>;
  /** Ground-truth file used for a flat `val/`, relative to the root. */
  readonly groundTruth: string | undefined;
  /** Files skipped because they are not JPEG/PNG (by extension). */
  readonly ignoredFiles: number;
}

export interface ManifestOptions {
  /** Ground-truth file for a flat `val/` folder; default: the first of GROUND_TRUTH_CANDIDATES that exists. */
  readonly groundTruth?: string;
  /** Parallel stat calls, default 64. */
  readonly statConcurrency?: number;
}

/** Looked up, relative to the dataset root, when a flat `val/` needs labels and none is given. */
export const GROUND_TRUTH_CANDIDATES = [
  'LOC_val_solution.csv',
  'val_ground_truth.txt',
  'val.txt',
  'val/ground_truth.txt',
] as const;

export function samplePath(root: string, split: ManifestSplit, index: number): string {
  return join(root, split.dirs[split.dirOf[index]] ?? '', split.files[index] ?? '');
}

function toSplit(groups: readonly Group[]): ManifestSplit {
  const size = groups.reduce((n, g) => n + g.files.length, 0);
  const dirOf = new Uint32Array(size);
  const labels = new Int32Array(size);
  const files: string[] = [];
  let i = 0;
  groups.forEach((g, d) => {
    for (let k = 0; k < g.files.length; k++, i++) {
      dirOf[i] = d;
      labels[i] = g.labels[k] ?? -1;
      files.push(g.files[k] ?? '');
    }
  });
  return { dirs: groups.map((g) => g.dir), dirOf, files, labels };
}

async function findGroundTruth(root: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return resolve(root, given);
  for (const candidate of GROUND_TRUTH_CANDIDATES) {
    const path = join(root, candidate);
    if ((await stat(path).catch(() => undefined))?.isFile() === true) return path;
  }
  throw new GroundTruthError(
    join(root, 'val'),
    `val/ holds images but no class folders, and none of ${GROUND_TRUTH_CANDIDATES.join(', ')} exists`,
  );
}

/** Labels flat `val/` images from a ground-truth file. */
async function flatValGroup(
  root: string,
  files: string[],
  gtPath: string,
  classIndex: Map<string, number>,
): Promise<Group> {
  const gt = parseGroundTruth(await readFile(gtPath, 'utf8'), gtPath);
  const labels = files.map((f) => {
    const entry = gt.get(groundTruthKey(f));
    if (entry === undefined) throw new GroundTruthError(gtPath, `no label for val/${f}`);
    if ('index' in entry) {
      if (entry.index >= classIndex.size) {
        throw new GroundTruthError(
          gtPath,
          `val/${f} has class index ${entry.index} but there are ${classIndex.size} classes`,
        );
      }
      return entry.index;
    }
    const label = classIndex.get(entry.className);
    if (label === undefined)
      throw new UnknownValidationClassError(entry.className, relative(root, gtPath));
    return label;
  });
  return { dir: 'val', files, labels };
}

async function hashSplits(
  root: string,
  classNames: readonly string[],
  splits: readonly [string, ManifestSplit | undefined][],
  concurrency: number,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`classes\0${classNames.join('\0')}\n`);
  for (const [name, split] of splits) {
    if (split === undefined) continue;
    const stats = await mapLimit(split.files, concurrency, (_, i) =>
      stat(samplePath(root, split, i)),
    );
    stats.forEach((s, i) => {
      const rel = `${split.dirs[split.dirOf[i]] ?? ''}/${split.files[i] ?? ''}`;
      hash.update(`${name}\0${rel}\0${split.labels[i]}\0${s.size}\0${s.mtimeMs}\n`);
    });
  }
  return hash.digest('hex');
}

/**
 * Walks an image-folder dataset: `train/<class>/…` (or class folders directly under the root when there
 * is no `train/`), and optionally `val/<class>/…` or flat `val/*` images labelled by a ground-truth file.
 * Labels are class-folder indices in sorted order. One readdir per folder and one stat per image (in
 * bounded parallel, for the content hash): the cost that manifest.cache.ts pays only once.
 */
export async function buildManifest(
  rootDir: string,
  opts: ManifestOptions = {},
): Promise<Manifest> {
  const root = resolve(rootDir);
  const concurrency = opts.statConcurrency ?? 64;
  if (!(await isDir(root))) {
    throw new DatasetNotFoundError(root, 'expected a folder with train/<class>/ image folders');
  }
  const walk = new Walk(root);
  const trainRel = (await isDir(join(root, 'train'))) ? 'train' : '';
  if (trainRel !== '') await walk.list('');
  const top = await walk.list(trainRel);
  const classNames = top.dirs;
  if (classNames.length === 0) throw new EmptyDatasetError(join(root, trainRel));
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  walk.ignored += top.images.length + top.others;
  const trainGroups = await walk.collectClasses(
    trainRel,
    classNames,
    (cls) => classIndex.get(cls) ?? -1,
  );

  let valGroups: Group[] | undefined;
  let groundTruth: string | undefined;
  if (trainRel !== '' && (await isDir(join(root, 'val')))) {
    const val = await walk.list('val');
    walk.ignored += val.others;
    if (val.images.length > 0) {
      const gtPath = await findGroundTruth(root, opts.groundTruth);
      groundTruth = relative(root, gtPath);
      walk.stamps[`file:${groundTruth}`] = (await stat(gtPath)).mtimeMs;
      valGroups = [await flatValGroup(root, val.images, gtPath, classIndex)];
    } else {
      if (val.dirs.length === 0) throw new EmptyDatasetError(join(root, 'val'));
      const unknown = val.dirs.find((cls) => !classIndex.has(cls));
      if (unknown !== undefined)
        throw new UnknownValidationClassError(unknown, join(root, 'val', unknown));
      valGroups = await walk.collectClasses('val', val.dirs, (cls) => classIndex.get(cls) ?? -1);
    }
  }

  const train = toSplit(trainGroups);
  const valSplit = valGroups === undefined ? undefined : toSplit(valGroups);
  const contentHash = await hashSplits(
    root,
    classNames,
    [
      ['train', train],
      ['val', valSplit],
    ],
    concurrency,
  );
  return {
    root,
    classNames,
    train,
    val: valSplit,
    contentHash,
    stamps: walk.stamps,
    groundTruth,
    ignoredFiles: walk.ignored,
  };
}
