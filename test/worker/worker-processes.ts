import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { jobRecordSchema, workerInfoSchema } from '@repvgg/contracts';
import {
  AUTH,
  body,
  startHarness,
  until,
  viewJob,
  type Harness,
} from '../coordinator/coordinator.harness';
import { writeTinyIdx } from '../training/tiny-idx.fixture';

const ROOT = join(__dirname, '..', '..');

/** The tiny deterministic job both worker e2e tests train (tests add workers, shards, epochs). */
export const TINY_JOB = {
  architecture: {
    numBlocks: [1, 1, 1, 1] as const,
    widthMultiplier: [0.125, 0.125, 0.125, 0.125] as const,
  },
  imageSize: 8,
  globalBatch: 8,
  virtualReplicas: 4,
  optimizer: { lr: 0.05 },
  seed: 7,
  mode: 'deterministic',
} as const;

/**
 * An in-process coordinator and a tiny IDX dataset under its data root. The worker processes run
 * the build, so a missing build fails here with the command that makes it.
 */
export async function startWorkerTestbed(
  dataName: string,
  trainImages: number,
  env: Record<string, string> = {},
): Promise<{ h: Harness; dataDir: string }> {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'worker', 'src', 'index.js'))) {
    throw new Error('the worker processes run the build: run `npm run build` first');
  }
  // Generous: worker processes, their compute threads and other test files share two cores; a
  // SIGKILLed worker is noticed at once by its cut Watch stream, not by this timeout.
  const h = await startHarness({ REPVGG_HEARTBEAT_TIMEOUT_MS: '5000', ...env });
  const dataDir = join(h.dataRoot, dataName);
  mkdirSync(dataDir);
  await writeTinyIdx(dataDir, { train: trainImages, test: 16, size: 8, classes: 3, seed: 5 });
  return { h, dataDir };
}

/** Submits `spec` on the testbed's IDX dataset at `dataDir`; resolves with the job id. */
export async function createIdxJob(
  h: Harness,
  spec: Record<string, unknown>,
  dataDir: string,
): Promise<string> {
  const created = await request(h.url())
    .post('/v1/jobs')
    .set(AUTH)
    .send({ ...spec, dataset: { source: 'idx', path: dataDir } })
    .expect(201);
  return body(jobRecordSchema, created).id;
}

/**
 * A `repvgg worker` process on the cpu backend joining the harness's rendezvous. It mounts the
 * artifact store at another path than the coordinator (a symbolic link), as a worker on another
 * machine would.
 */
export function spawnWorker(
  h: Harness,
  stderr: 'inherit' | 'pipe',
  extraArgs: readonly string[] = [],
): ChildProcess {
  const mount = join(h.base, 'worker-store');
  if (!existsSync(mount)) symlinkSync(h.artifacts, mount);
  return spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'repvgg.js'),
      '--backend',
      'cpu',
      'worker',
      '--coordinator',
      `127.0.0.1:${h.coordinator.grpcPort}`,
      '--artifacts',
      mount,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'inherit', stderr] },
  );
}

/** Resolves with the exit code (null when a signal ended it) once the process has exited. */
export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => {
        child.once('exit', (code) => {
          resolve(code);
        });
      });

/** SIGKILLs whichever of `children` still run and waits until every one has exited. */
export async function killAll(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
}

/** The workers registered with the testbed's rendezvous (`GET /v1/workers`). */
export async function listWorkers(h: Harness): Promise<z.output<typeof workerInfoSchema>[]> {
  return body(
    z.array(workerInfoSchema),
    await request(h.url()).get('/v1/workers').set(AUTH).expect(200),
  );
}

/** A worker e2e file's testbed and the worker processes its tests start. */
export interface WorkerTestbed {
  readonly h: Harness;
  readonly dataDir: string;
  readonly workers: readonly ChildProcess[];
  /** A `repvgg worker` process (stderr inherited), killed after the file's tests if still running. */
  spawn: (extraArgs?: readonly string[]) => ChildProcess;
  view: (id: string) => ReturnType<typeof viewJob>;
  /**
   * Once `workers` workers are registered, submits `spec` on the testbed's dataset and resolves with
   * the job's view when it succeeded.
   */
  succeed: (spec: Record<string, unknown>, workers?: number) => ReturnType<typeof viewJob>;
}

/**
 * Starts a testbed before the calling file's tests and, after them, kills the workers they spawned
 * and closes it. `h` and `dataDir` are readable inside tests (not at the file's top level).
 */
export function workerTestbed(
  dataName: string,
  trainImages: number,
  env: () => Record<string, string> = () => ({}),
): WorkerTestbed {
  let started: { h: Harness; dataDir: string } | undefined;
  const workers: ChildProcess[] = [];
  const get = (): { h: Harness; dataDir: string } => {
    if (started === undefined) throw new Error('the worker testbed starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startWorkerTestbed(dataName, trainImages, env());
  });
  afterAll(async () => {
    await killAll(workers);
    await started?.h.close();
  });
  return {
    get h() {
      return get().h;
    },
    get dataDir() {
      return get().dataDir;
    },
    workers,
    spawn: (extraArgs = []) => {
      const child = spawnWorker(get().h, 'inherit', extraArgs);
      workers.push(child);
      return child;
    },
    view: (id) => viewJob(get().h, id),
    succeed: async (spec, count = 2) => {
      const { h, dataDir } = get();
      await until(
        async () => (await listWorkers(h)).length === count,
        `${count} registered workers`,
        30_000,
      );
      const id = await createIdxJob(h, spec, dataDir);
      await until(async () => (await viewJob(h, id)).state === 'succeeded', 'success', 60_000);
      return viewJob(h, id);
    },
  };
}
