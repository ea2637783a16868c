import { Option, type Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { downloadBundle } from '../client/bundle-download';
import { resolveConnection } from '../client/connection';
import { CoordinatorClient } from '../client/coordinator.client';
import { buildJobSpec, type JobSpecFlags } from '../client/job-spec.builder';
import { requireSucceeded, watchJob } from '../client/job-watch';
import { clusterDir, readClusterState } from '../cluster/cluster-state';
import { defaultWorkerCount, startCluster, type RunningCluster } from '../cluster/cluster.start';
import { DEFAULT_DATA_ROOTS } from '../cluster/data-roots';
import { isAlive, markerOf } from '../cluster/pids';
import { UsageError } from '../errors/usage.error';
import { requireCreatableDir } from '../io/paths';
import { positiveInt } from '../options/option-parsers';
import { formatRunSummary } from '../run/run-summary';
import { presetFor, presetsHelp } from '../options/preset.option';
import { addJobSpecOptions } from './submit.command';

interface RunOptions extends JobSpecFlags {
  readonly out: string;
  readonly workers?: number;
  readonly clusterDir?: string;
}

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function requireEmptyOut(out: string): void {
  requireCreatableDir(out);
  if (existsSync(out) && readdirSync(out).some((n) => !n.startsWith('.'))) {
    throw new UsageError(`output directory ${out} is not empty`, 'choose a new --out');
  }
}

/** A cluster already up in `dir` (all its processes alive) is used as it is and left running. */
function runningCluster(dir: string): boolean {
  const state = readClusterState(dir);
  return (
    state !== undefined &&
    state.processes.every((p) => p.role === 'supervisor' || isAlive(p.pid, markerOf(p.role)))
  );
}

/** The data roots a cluster started by `run` needs: the defaults, plus the folder holding --data. */
function dataRootsFor(data: string | undefined): string[] {
  const roots = DEFAULT_DATA_ROOTS().filter((r) => existsSync(r));
  if (data === undefined) return roots;
  const path = resolve(data);
  return roots.some((r) => path === r || path.startsWith(`${r}/`))
    ? roots
    : [...roots, dirname(path)];
}

export function registerRun(program: Command): void {
  addJobSpecOptions(
    program
      .command('run')
      .description(
        'the whole distributed path in one command: bring up a local cluster (Redis, coordinator, N workers), submit the job over REST, watch it, download and verify the fused bundle into --out, tear the cluster down',
      ),
  )
    .requiredOption(
      '--out <dir>',
      'output directory for the verified deploy bundle (must be empty)',
    )
    .addOption(
      new Option('--workers <n>', 'local workers (default: one per 2 cores, at least 2)').argParser(
        positiveInt,
      ),
    )
    .option(
      '--cluster-dir <dir>',
      'cluster directory (default: REPVGG_CLUSTER_DIR, else .repvgg/cluster); a cluster already up there is used and left running',
    )
    .addHelpText(
      'after',
      '\nExample: repvgg run --dataset fashion-mnist --workers 2 --out out/fashion-mnist\n' +
        `${presetsHelp()}\n` +
        'Fashion-MNIST comes from Debian: apt-get install dataset-fashion-mnist',
    )
    .action(async (opts: RunOptions) => {
      await run(opts);
    });
}

async function run(opts: RunOptions): Promise<void> {
  if (opts.dataset === undefined) presetFor(undefined, opts.preset);
  if ((opts.data === undefined) === (opts.dataset === undefined) && opts.spec === undefined) {
    throw new UsageError('no dataset given', 'pass --dataset fashion-mnist or --data DIR');
  }
  const out = resolve(opts.out);
  requireEmptyOut(out);
  const workers = opts.workers ?? defaultWorkerCount();
  const built = buildJobSpec(opts);
  const replicas = built.virtualReplicas ?? 8;
  const spec = {
    ...built,
    workers: {
      min: opts.workersMin ?? 1,
      max: opts.workersMax ?? Math.min(workers, replicas),
    },
  };
  const dir = clusterDir(opts.clusterDir);
  const started = performance.now();
  const controller = new AbortController();
  const onSigint = (): void => {
    say('\ninterrupted: stopping the cluster');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  let cluster: RunningCluster | undefined;
  let client: CoordinatorClient | undefined;
  let jobId: string | undefined;
  try {
    if (runningCluster(dir)) {
      say(`using the local cluster already up in ${dir} (left running)`);
    } else {
      cluster = await startCluster({
        dir,
        workers,
        dataRoots: dataRootsFor(opts.data),
        log: say,
        signal: controller.signal,
      });
    }
    client = new CoordinatorClient(resolveConnection({ clusterDir: dir }));
    const record = await client.submit(spec);
    jobId = record.id;
    say(`job ${record.id} submitted (${workers} workers)`);
    const final = await watchJob(client, record.id, {
      out: process.stderr,
      signal: controller.signal,
    });
    jobId = undefined;
    requireSucceeded(final);
    const { report } = await downloadBundle(client, record.id, out);
    process.stderr.write(formatRunSummary(report, (performance.now() - started) / 1000, out));
    process.stdout.write(`${out}\n`);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    process.exitCode = 130;
  } finally {
    process.removeListener('SIGINT', onSigint);
    // An interrupted job is cancelled, so that the next `up` on this directory does not resume it
    // beside a new one; `repvgg resume` continues it from its latest checkpoint.
    if (jobId !== undefined && client !== undefined && controller.signal.aborted) {
      await client.cancel(jobId).then(
        () => {
          say(`job ${jobId ?? ''} cancelled; \`repvgg resume ${jobId ?? ''}\` continues it`);
        },
        () => undefined,
      );
    }
    if (cluster !== undefined) await cluster.stop();
  }
}
