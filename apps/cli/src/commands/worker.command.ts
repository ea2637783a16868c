import { InvalidArgumentError, type Command } from 'commander';
import { DATA_PLANES, type DataPlane, parseDataPlane } from '@repvgg/collective/data-plane';
import { WORKER_SERVER_NAME } from '@repvgg/contracts/tls/tls-dir';
import { installFatalErrorPolicy } from '@repvgg/contracts/process/fatal-error.policy';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors/usage.error';
import { nonNegativeInt, threadCount } from '../options/option-parsers';
import { TLS_DIR_FLAGS, TLS_DIR_HELP, tlsPathsOf } from '../options/tls-dir.option';

interface WorkerCommandOptions {
  readonly coordinator: string;
  readonly host: string;
  readonly port: number;
  readonly threads: number | 'auto';
  readonly dataPort?: number;
  readonly dataPlane?: DataPlane;
  readonly artifacts?: string;
  readonly tokenFile?: string;
  readonly metricsPort?: number;
  readonly tlsDir?: string;
}

function dataPlane(value: string): DataPlane {
  try {
    return parseDataPlane(value);
  } catch {
    throw new InvalidArgumentError(`expected one of ${DATA_PLANES.join(', ')}`);
  }
}

/** The worker token from `--token-file`, else REPVGG_WORKER_TOKEN; none when neither is given. */
function workerToken(file: string | undefined): string | undefined {
  let token = process.env.REPVGG_WORKER_TOKEN;
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read the worker token file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        'check --token-file',
      );
    }
  }
  token = token?.trim();
  if (token === '') {
    throw new UsageError(
      `the worker token ${file ?? 'in REPVGG_WORKER_TOKEN'} is empty`,
      "put the coordinator's worker token there",
    );
  }
  return token;
}

/** `host:port` with a port in range: the Rendezvous address must be dialable as given. */
function hostPort(value: string): string {
  const m = /^(.+):(\d{1,5})$/.exec(value.trim());
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65_535) {
    throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:50051');
  }
  return value.trim();
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run a training worker: joins the coordinator, trains its virtual replicas of each step and all-reduces gradients with its peers (raw TCP negotiated over gRPC); SIGTERM leaves at the next step boundary',
    )
    .requiredOption(
      '--coordinator <host:port>',
      "the coordinator's rendezvous gRPC address",
      hostPort,
    )
    .option(
      '--host <host>',
      'address peers reach this worker at (its Collective server binds it)',
      '127.0.0.1',
    )
    .option('--port <port>', 'Collective server port (0: any free port)', nonNegativeInt, 0)
    .option(
      '--threads <n|auto>',
      "compute threads for this worker's replicas, each with its own engine: 1 keeps steps off the event loop that serves heartbeats and gRPC; 0 computes on the worker's own thread (no hop per step; for steps far under the heartbeat timeout); auto: 0 when a replica's step is at most 2 GMAC (e.g. the Fashion-MNIST preset), else 1",
      threadCount,
      'auto' as const,
    )
    .option(
      '--data-port <port>',
      'raw-TCP data plane port (default: --port + 1, or any free port when --port is 0)',
      nonNegativeInt,
    )
    .option(
      '--data-plane <plane>',
      `where gradient chunks travel: ${DATA_PLANES.join(' or ')}; every worker of a job must agree (default: REPVGG_DATA_PLANE, else tcp)`,
      dataPlane,
    )
    .option(
      '--artifacts <dir>',
      "this machine's mount of the coordinator's artifact store (its REPVGG_ARTIFACTS); default: REPVGG_ARTIFACTS",
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics (step phases, all-reduce bytes, generation changes, heartbeats) at GET /metrics on --host:<port>; default: none',
      nonNegativeInt,
    )
    .option(
      '--token-file <file>',
      "a file holding the coordinator's worker token (one of its REPVGG_WORKER_TOKENS); default: REPVGG_WORKER_TOKEN",
    )
    .option(
      TLS_DIR_FLAGS,
      `${TLS_DIR_HELP}; tls.crt must be valid for the name ${WORKER_SERVER_NAME}`,
    )
    .action(async (opts: WorkerCommandOptions, cmd: Command) => {
      const artifacts = opts.artifacts ?? process.env.REPVGG_ARTIFACTS ?? '';
      if (artifacts === '') {
        throw new UsageError(
          'no artifact store given',
          "pass --artifacts DIR or set REPVGG_ARTIFACTS to where the coordinator's artifact store is mounted on this machine",
        );
      }
      installFatalErrorPolicy('worker');
      // Loaded here so the model tools do not pay for gRPC and the training stack at start.
      const token = workerToken(opts.tokenFile);
      const tls = tlsPathsOf(opts.tlsDir);
      const { startWorker, WorkerConfigError } = await import('@repvgg/worker');
      const worker = await startWorker({
        coordinator: opts.coordinator,
        host: opts.host,
        port: opts.port,
        threads: opts.threads,
        artifacts: resolve(artifacts),
        ...(opts.dataPort === undefined ? {} : { dataPort: opts.dataPort }),
        ...(opts.dataPlane === undefined ? {} : { dataPlane: opts.dataPlane }),
        ...(opts.metricsPort === undefined ? {} : { metricsPort: opts.metricsPort }),
        backend: cmd.optsWithGlobals<{ backend?: string }>().backend,
        capabilities: ['train'],
        ...(token === undefined ? {} : { token }),
        ...(tls === undefined ? {} : { tls }),
      }).catch((err: unknown) => {
        throw err instanceof WorkerConfigError ? new UsageError(err.problem, err.remedy) : err;
      });
      const drain = (): void => {
        void worker.drain();
      };
      process.once('SIGTERM', drain);
      process.once('SIGINT', drain);
      await worker.stopped;
    });
}
