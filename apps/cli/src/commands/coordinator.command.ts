import type { Command } from 'commander';
import { installFatalErrorPolicy } from '@repvgg/contracts/process/fatal-error.policy';
import { UsageError } from '../errors/usage.error';
import { TLS_DIR_FLAGS, TLS_DIR_HELP, tlsDirOf } from '../options/tls-dir.option';

const ENVIRONMENT = [
  'PORT (8080)',
  'GRPC_PORT (50051)',
  'REDIS_URL (redis://127.0.0.1:6379)',
  'REPVGG_API_TOKENS or REPVGG_API_TOKEN_FILE',
  'REPVGG_DATA_ROOTS (dataset folders jobs may read, ":"-separated)',
  'REPVGG_ARTIFACTS (checkpoints and deploy bundles)',
];

export function registerCoordinator(program: Command): void {
  program
    .command('coordinator')
    .description(
      `run the coordinator: REST API (/v1, OpenAPI at /docs), job queue and worker rendezvous; configured by the environment: ${ENVIRONMENT.join(', ')}`,
    )
    .option(TLS_DIR_FLAGS, `${TLS_DIR_HELP}; the rendezvous then requires workers' certificates`)
    .action(async (opts: { tlsDir?: string }) => {
      installFatalErrorPolicy('coordinator');
      const tlsDir = tlsDirOf(opts.tlsDir);
      const env = tlsDir === undefined ? process.env : { ...process.env, REPVGG_TLS_DIR: tlsDir };
      // Loaded here so the model tools do not pay for NestJS, BullMQ and gRPC at start.
      const { ConfigError, startCoordinator } = await import('@repvgg/coordinator');
      const running = await startCoordinator(env).catch((err: unknown) => {
        if (err instanceof ConfigError) {
          throw new UsageError(err.message, 'fix the environment and start again');
        }
        throw err;
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void running.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
