import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactStore } from '@repvgg/training/store/artifact.store';
import { isValidStorePath, jobPath } from '@repvgg/training/store/store-layout';
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

export function isValidArtifactName(name: string): boolean {
  return isValidStorePath(name);
}

/**
 * The coordinator's side of the artifact store (REPVGG_ARTIFACTS): one folder per job holding its
 * checkpoints and deploy bundle, listed and served by name. Digests are cached by (path, size, mtime).
 */
export class ArtifactRepository {
  private readonly digests = new Map<string, { key: string; sha256: string }>();
  readonly store: ArtifactStore;

  constructor(root: string) {
    this.store = new ArtifactStore(root);
  }

  /** The job's folder, created on first use. */
  jobDir(jobId: string): Promise<string> {
    return this.store.ensureDir(jobPath(jobId));
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
    await this.jobDir(jobId);
    const real = await this.store.locate(jobPath(jobId), name, 'file');
    if (real === undefined) throw new ArtifactNotFoundError(name);
    return this.describe(real, name);
  }

  /**
   * A folder or file anywhere in the store (a job's initialCheckpoint: a checkpoint folder or a
   * weights file), refusing names that escape it.
   */
  async storeEntry(name: string): Promise<string> {
    if (!isValidArtifactName(name)) throw new InvalidArtifactNameError(name);
    const real =
      (await this.store.locate('', name, 'dir')) ?? (await this.store.locate('', name, 'file'));
    if (real === undefined) throw new ArtifactNotFoundError(name);
    return real;
  }

  /** Deletes the job's folder with everything in it. */
  removeJob(jobId: string): Promise<void> {
    return this.store.remove(jobPath(jobId));
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
