import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from './config/coordinator-config';
import { FinalizerService } from './finalizer/finalizer.service';
import { ArtifactsController } from './http/artifacts.controller';
import { AuthGuard } from './http/auth.guard';
import { AutoscaleController } from './http/autoscale.controller';
import { ErrorFilter } from './http/error.filter';
import { HealthController } from './http/health.controller';
import { JobLogsController } from './http/job-logs.controller';
import { JobsController } from './http/jobs.controller';
import { MetricsController } from './http/metrics.controller';
import { WorkersController } from './http/workers.controller';
import { JobDecodeFailuresService } from './jobs/job-decode-failures.service';
import { JobEventsService } from './jobs/job-events.service';
import { JobOperationsService } from './jobs/job-operations.service';
import { JobLogsService } from './jobs/job-logs.service';
import { JobService } from './jobs/job.service';
import { LifecycleService } from './jobs/lifecycle.service';
import { MetricsService } from './metrics/metrics.service';
import { AutoscaleService } from './planner/autoscale.service';
import { KubernetesScalerService } from './planner/kubernetes-scaler.service';
import { TrainingService } from './planner/training.service';
import { RendezvousEvents } from './rendezvous/rendezvous-events';
import { RendezvousService } from './rendezvous/rendezvous.service';
import { ArtifactRepository } from './repositories/artifact.repository';
import { DatasetRepository } from './repositories/dataset.repository';
import { JobLogsRepository } from './repositories/job-logs.repository';
import { QueueRepository } from './repositories/queue.repository';
import { RedisStoreRepository } from './repositories/redis-store.repository';

@Module({})
export class AppModule {
  static forRoot(config: CoordinatorConfig, codeVersion: string): DynamicModule {
    const logger = new Logger('Rendezvous');
    return {
      module: AppModule,
      controllers: [
        JobsController,
        JobLogsController,
        ArtifactsController,
        WorkersController,
        HealthController,
        MetricsController,
        AutoscaleController,
      ],
      providers: [
        { provide: COORDINATOR_CONFIG, useValue: config },
        {
          provide: RedisStoreRepository,
          useFactory: () => new RedisStoreRepository(config.redisUrl, config.redisPrefix),
        },
        {
          provide: JobLogsRepository,
          useFactory: () =>
            new JobLogsRepository(config.redisUrl, config.redisPrefix, config.logLines),
        },
        {
          provide: QueueRepository,
          useFactory: () =>
            new QueueRepository({
              redisUrl: config.redisUrl,
              prefix: `${config.redisPrefix}:bull`,
              lockMs: config.queueLockMs,
            }),
        },
        {
          provide: ArtifactRepository,
          useFactory: () => new ArtifactRepository(config.artifactsRoot),
        },
        {
          provide: DatasetRepository,
          useFactory: () => new DatasetRepository(config.artifactsRoot),
        },
        RendezvousEvents,
        {
          provide: RendezvousService,
          inject: [RendezvousEvents],
          useFactory: (events: RendezvousEvents) =>
            new RendezvousService(
              { heartbeatMs: config.heartbeatMs, heartbeatTimeoutMs: config.heartbeatTimeoutMs },
              (err: unknown) => {
                logger.error((err as Error).stack ?? String(err));
              },
              events,
            ),
        },
        {
          provide: FinalizerService,
          inject: [ArtifactRepository],
          useFactory: (artifacts: ArtifactRepository) =>
            new FinalizerService(artifacts, codeVersion),
        },
        JobEventsService,
        JobService,
        JobOperationsService,
        TrainingService,
        LifecycleService,
        MetricsService,
        AutoscaleService,
        ...(config.scaler === 'kubernetes' ? [KubernetesScalerService] : []),
        JobDecodeFailuresService,
        JobLogsService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
