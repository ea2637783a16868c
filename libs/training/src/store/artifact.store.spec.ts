import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact.store';
import { StorePathError } from './store.error';
import { jobCheckpointsPath, jobFinalCheckpointPath } from './store-layout';

const storeAt = (): ArtifactStore => new ArtifactStore(mkdtempSync(join(tmpdir(), 'store-')));

describe('ArtifactStore', () => {
  it('resolves store paths under its own root and refuses escapes', () => {
    const a = new ArtifactStore('/mnt/a');
    const b = new ArtifactStore('/srv/store/');
    expect(a.path(jobCheckpointsPath('j1'))).toBe('/mnt/a/jobs/j1/checkpoints');
    expect(b.path(jobCheckpointsPath('j1'))).toBe('/srv/store/jobs/j1/checkpoints');
    for (const bad of ['../etc', '/etc/passwd', 'jobs/../..', 'jobs//x', '', 'a/./b']) {
      expect(() => a.path(bad), bad).toThrow(StorePathError);
    }
  });

  it('locates files and folders, not links that leave the folder', async () => {
    const store = storeAt();
    const job = await store.ensureDir('jobs/j1');
    mkdirSync(join(job, 'checkpoints'));
    writeFileSync(join(job, 'notes.txt'), 'x');
    symlinkSync(store.root, join(job, 'up'));
    expect(await store.locate('jobs/j1', 'checkpoints', 'dir')).toBe(join(job, 'checkpoints'));
    expect(await store.locate('jobs/j1', 'notes.txt', 'file')).toBe(join(job, 'notes.txt'));
    expect(await store.locate('jobs/j1', 'notes.txt', 'dir')).toBeUndefined();
    expect(await store.locate('jobs/j1', 'missing', 'dir')).toBeUndefined();
    expect(await store.locate('jobs/j1', 'up/jobs', 'dir')).toBeUndefined();
  });

  it('replaces a folder with a copy of another and removes folders', async () => {
    const store = storeAt();
    const from = await store.ensureDir('jobs/j1/checkpoints/step-00000004');
    writeFileSync(join(from, 'state.json'), 'new');
    const to = await store.ensureDir(jobFinalCheckpointPath('j1'));
    writeFileSync(join(to, 'stale.json'), 'old');
    await store.copyDir('jobs/j1/checkpoints/step-00000004', jobFinalCheckpointPath('j1'));
    expect(readFileSync(join(to, 'state.json'), 'utf8')).toBe('new');
    expect(await store.locate('jobs/j1', 'final-checkpoint/stale.json', 'file')).toBeUndefined();
    await store.remove('jobs/j1');
    expect(await store.locate('jobs', 'j1', 'dir')).toBeUndefined();
    await store.remove('jobs/j1');
  });
});
