import { InvalidArgumentError, type Command } from 'commander';
import { clusterDir } from '../cluster/cluster-state';
import {
  runDetachedSupervisor,
  startDetachedCluster,
  superviseOptionsSchema,
} from '../cluster/cluster.detach';
import { defaultWorkerCount } from '../cluster/cluster.start';
import { clusterStatus, formatStatus, formatSummary } from '../cluster/cluster.status';
import { stopCluster } from '../cluster/cluster.stop';
import { superviseCluster } from '../cluster/supervisor.run';
import { nonNegativeInt, positiveInt } from '../options/option-parsers';

interface UpOptions {
  readonly workers?: number;
  readonly detach?: boolean;
  readonly dir?: string;
  readonly dataRoot?: string[];
  readonly port?: number;
  readonly grpcPort?: number;
}

const DIR_HELP = 'cluster directory (default: REPVGG_CLUSTER_DIR, else .repvgg/cluster)';
const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

function superviseJson(value: string): ReturnType<typeof superviseOptionsSchema.parse> {
  const parsed = superviseOptionsSchema.safeParse(JSON.parse(value));
  if (!parsed.success) throw new InvalidArgumentError('expected the options `up` passes');
  return parsed.data;
}

function registerUp(cluster: Command): void {
  cluster
    .command('up')
    .description(
      'start a local cluster: Redis (REDIS_URL if it answers, else a private redis-server with AOF in the cluster directory), the coordinator and N workers; prints the coordinator URL and token file; Ctrl-C stops it (or --detach and `cluster down`)',
    )
    .option(
      '--workers <n>',
      `training workers (default: one per 2 cores, at least 2; here ${defaultWorkerCount()})`,
      positiveInt,
    )
    .option('--detach', 'run in the background; stop with `repvgg cluster down`')
    .option('--dir <dir>', DIR_HELP)
    .option(
      '--data-root <dir>',
      'a dataset folder jobs may read (repeatable; default: the current directory and /usr/share/datasets)',
      collect,
    )
    .option(
      '--port <port>',
      'REST API port (default: 8080 when free, else a free port)',
      nonNegativeInt,
    )
    .option(
      '--grpc-port <port>',
      'worker rendezvous gRPC port (default: a free port)',
      nonNegativeInt,
    )
    .action(async (opts: UpOptions, cmd: Command) => {
      const options = {
        dir: clusterDir(opts.dir),
        ...(opts.workers === undefined ? {} : { workers: opts.workers }),
        ...(opts.dataRoot === undefined ? {} : { dataRoots: opts.dataRoot }),
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.grpcPort === undefined ? {} : { grpcPort: opts.grpcPort }),
        ...backendOf(cmd),
      };
      if (opts.detach === true) {
        process.stdout.write(`${formatSummary(await startDetachedCluster(options, say))}\n`);
        return;
      }
      await superviseCluster({ ...options, log: say }, (state) => {
        process.stdout.write(`${formatSummary(state)}\n`);
      });
    });
}

function backendOf(cmd: Command): { backend?: string } {
  const { backend } = cmd.optsWithGlobals<{ backend?: string }>();
  return backend === undefined ? {} : { backend };
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('a local cluster (Redis, coordinator, workers) on this machine: up, status, down');
  registerUp(cluster);
  cluster
    .command('status')
    .description(
      'the local cluster: coordinator URL, rendezvous address, token file, Redis, and each process with its pid, liveness and log; exit 1 when none is up',
    )
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'machine-readable: the state file plus liveness')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const status = await clusterStatus(clusterDir(opts.dir));
      process.stdout.write(
        opts.json === true ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`,
      );
    });
  cluster
    .command('down')
    .description(
      'stop the local cluster (workers, coordinator, then Redis) and wait until none of its processes is left; keeps logs, token, AOF and artifacts',
    )
    .option('--dir <dir>', DIR_HELP)
    .action(async (opts: { dir?: string }) => {
      const dir = clusterDir(opts.dir);
      const result = await stopCluster(dir, say);
      say(
        result.wasRunning ? `local cluster in ${dir} stopped` : `no local cluster was up in ${dir}`,
      );
    });
  cluster
    .command('supervise <options>', { hidden: true })
    .description('the detached supervisor of `cluster up --detach` (internal)')
    .action(async (json: string) => {
      await runDetachedSupervisor(superviseJson(json));
    });
}
