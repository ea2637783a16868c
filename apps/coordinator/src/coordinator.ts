import 'reflect-metadata';
import { mkdir, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { INestApplication, LogLevel, NestApplicationOptions } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { PinoNestLogger } from './common/pino-nest.logger';
import { ConfigError } from './config/config.error';
import { createProcessLogger, LogLevelError } from '@repvgg/contracts/logging/process-logger';
import { BearerTokens } from './http/bearer-tokens';
import { serveDashboard } from './http/dashboard.static';
import { loadCoordinatorConfig, type CoordinatorConfig } from './config/coordinator-config';
import { LifecycleService } from './jobs/lifecycle.service';
import { serveOpenApi } from './openapi/openapi.document';
import { TrainingService } from './planner/training.service';
import { RendezvousGrpcServer } from './rendezvous/rendezvous.grpc-server';
import { RendezvousService } from './rendezvous/rendezvous.service';
import { QueueRepository } from './repositories/queue.repository';
import { RedisStoreRepository } from './repositories/redis-store.repository';

export interface RunningCoordinator {
  readonly app: INestApplication;
  readonly config: CoordinatorConfig;
  /** Bound ports (differ from the configuration when it asked for 0). */
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Stops serving. Active shards are left locked in BullMQ; a restarted coordinator retakes them. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Default: Nest's log routed through the pino process log (JSON lines, LOG_LEVEL). */
  readonly logger?: false | LogLevel[];
  readonly codeVersion?: string;
}

async function checkEnvironment(config: CoordinatorConfig): Promise<void> {
  for (const root of config.dataRoots) {
    const s = await stat(root).catch(() => null);
    if (s?.isDirectory() !== true) {
      throw new ConfigError(`invalid configuration: REPVGG_DATA_ROOTS: ${root} is not a directory`);
    }
  }
  await mkdir(config.artifactsRoot, { recursive: true }).catch((err: unknown) => {
    throw new ConfigError(
      `invalid configuration: REPVGG_ARTIFACTS: cannot create ${config.artifactsRoot} (${(err as Error).message})`,
    );
  });
  if (!(await RedisStoreRepository.probe(config.redisUrl))) {
    throw new ConfigError(
      `invalid configuration: REDIS_URL: no Redis answers at ${config.redisUrl}`,
    );
  }
}

function processLogger(env: Readonly<Record<string, string | undefined>>): PinoNestLogger {
  try {
    return new PinoNestLogger(createProcessLogger('coordinator', { env }));
  } catch (err) {
    if (err instanceof LogLevelError) {
      throw new ConfigError(`invalid configuration: ${err.message}`);
    }
    throw err;
  }
}

/**
 * Starts the coordinator: REST (with OpenAPI at /docs) and the gRPC rendezvous, then resumes every
 * unfinished job. Throws ConfigError (one line) when the environment is unusable.
 */
export async function startCoordinator(
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: StartOptions = {},
): Promise<RunningCoordinator> {
  const config = loadCoordinatorConfig(env);
  const nestLogger = opts.logger ?? processLogger(env);
  await checkEnvironment(config);
  const codeVersion = opts.codeVersion ?? process.env.npm_package_version ?? 'unknown';
  // Nest declares its options as a class but only reads plain fields; a literal is what its docs use.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const appOptions: NestApplicationOptions = {
    bodyParser: false,
    logger: nestLogger,
  };
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, codeVersion),
    appOptions,
  );
  app.useBodyParser('json', { limit: config.bodyLimit });
  serveOpenApi(app, new BearerTokens(config.apiTokens));
  serveDashboard(app);
  const logger = new Logger('Coordinator');
  const rendezvous = app.get(RendezvousService);
  const grpc = new RendezvousGrpcServer(
    rendezvous,
    (err: unknown) => {
      logger.error((err as Error).stack ?? String(err));
    },
    config.workerTokens,
    (line) => {
      logger.warn(line);
    },
  );
  if (config.workerTokens.length === 0) {
    logger.warn(
      'the rendezvous admits any worker: set REPVGG_WORKER_TOKENS or REPVGG_WORKER_TOKEN_FILE',
    );
  }
  if (config.tls === undefined) {
    logger.warn('the rendezvous speaks plaintext: set REPVGG_TLS_DIR for mutual TLS');
  }
  let grpcPort: number;
  try {
    grpcPort = await grpc.listen(config.host, config.grpcPort, config.tls);
  } catch (err) {
    await app.close();
    throw new ConfigError(
      `invalid configuration: GRPC_PORT: cannot listen on ${config.grpcPort} (${(err as Error).message})`,
    );
  }
  await app.listen(config.port, config.host);
  const httpPort = (app.getHttpServer() as { address(): AddressInfo }).address().port;
  rendezvous.start();
  app.get(TrainingService).startQueues();
  await app.get(LifecycleService).resume();
  logger.log(
    `listening: http ${config.host}:${httpPort}, rendezvous gRPC ${config.host}:${grpcPort} (${config.tls === undefined ? 'plaintext' : 'mutual TLS'})`,
  );

  return {
    app,
    config,
    httpPort,
    grpcPort,
    async close() {
      rendezvous.stop();
      await grpc.close();
      await app.get(QueueRepository).close(true);
      await app.close();
      await app.get(RedisStoreRepository).close();
    },
  };
}
