import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ArtifactNotFoundError, InvalidArtifactNameError } from './artifact-name.error';

export interface ArtifactInfo {
  /** Path relative to the job's folder, `/`-separated (e.g. `bundle/model.onnx`). */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly modifiedAt: string;
}

export interface ArtifactFile extends ArtifactInfo {
  readonly path: string;
}

/** Segments of letters, digits, `.`, `_`, `-`; no empty, `.` or `..` segment. */
const NAME = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function isValidArtifactName(name: string): boolean {
  return name.length <= 512 && NAME.test(name);
}

/**
 * The artifact store: a directory (local or a shared volume) with one folder per job holding its
 * checkpoints and deploy bundle. Digests are cached by (path, size, mtime).
 */
export class ArtifactRepository {
  private readonly digests = new Map<string, { key: string; sha256: string }>();

  constructor(readonly root: string) {}

  /** The job's folder, created on first use. */
  async jobDir(jobId: string): Promise<string> {
    const dir = join(this.root, 'jobs', jobId);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async list(jobId: string): Promise<ArtifactInfo[]> {
    const dir = await this.jobDir(jobId);
    const names = await this.walk(dir, '');
    const files = await Promise.all(names.map((n) => this.describe(join(dir, n), n)));
    return files.map(({ path: _path, ...info }) => info);
  }

  /** Resolves a user-supplied name to a file inside the job's folder, refusing any escape. */
  async resolve(jobId: string, name: string): Promise<ArtifactFile> {
    if (!isValidArtifactName(name)) throw new InvalidArtifactNameError(name);
    const dir = await realpath(await this.jobDir(jobId));
    let real: string;
    try {
      real = await realpath(join(dir, name));
    } catch {
      throw new ArtifactNotFoundError(name);
    }
    if (!isInside(dir, real)) throw new InvalidArtifactNameError(name);
    const s = await stat(real);
    if (!s.isFile()) throw new ArtifactNotFoundError(name);
    return this.describe(real, name);
  }

  /** A folder inside the job's folder (a checkpoint), refusing names that escape it. */
  async resolveDir(jobId: string, name: string): Promise<string> {
    return this.folderIn(await this.jobDir(jobId), name);
  }

  /** A folder anywhere in the store (a job's initialCheckpoint), refusing names that escape it. */
  storeDir(name: string): Promise<string> {
    return this.folderIn(this.root, name);
  }

  private async folderIn(base: string, name: string): Promise<string> {
    if (!isValidArtifactName(name)) throw new InvalidArtifactNameError(name);
    const dir = await realpath(base);
    let real: string;
    try {
      real = await realpath(join(dir, name));
    } catch {
      throw new ArtifactNotFoundError(name);
    }
    if (!isInside(dir, real) || !(await stat(real)).isDirectory()) {
      throw new ArtifactNotFoundError(name);
    }
    return real;
  }

  private async walk(dir: string, prefix: string): Promise<string[]> {
    const entries = await readdir(join(dir, prefix), { withFileTypes: true });
    const out: string[] = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) out.push(...(await this.walk(dir, name)));
      else if (e.isFile() && isValidArtifactName(name)) out.push(name);
    }
    return out;
  }

  private async describe(path: string, name: string): Promise<ArtifactFile> {
    const s = await stat(path);
    const key = `${s.size}:${s.mtimeMs}`;
    let cached = this.digests.get(path);
    if (cached?.key !== key) {
      cached = { key, sha256: await sha256File(path) };
      this.digests.set(path, cached);
    }
    return {
      name,
      path,
      size: s.size,
      sha256: cached.sha256,
      modifiedAt: s.mtime.toISOString(),
    };
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => {
        resolve(hash.digest('hex'));
      });
  });
}
