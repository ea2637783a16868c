import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { Autoscale } from '@repvgg/contracts';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from '../config/coordinator-config';
import { MetricsService } from '../metrics/metrics.service';
import { RedisStoreRepository } from '../repositories/redis-store.repository';
import { autoscalePlan, RUNNABLE_STATES } from './autoscale-plan';

/** The workers the runnable jobs want, for GET /v1/autoscale, /metrics and the Kubernetes scaler. */
@Injectable()
export class AutoscaleService {
  private readonly maxWorkers: number;

  constructor(
    private readonly store: RedisStoreRepository,
    metrics: MetricsService,
    @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig,
  ) {
    this.maxWorkers = config.maxWorkers;
    const plan = (): Promise<Autoscale> => this.plan();
    new Gauge({
      name: 'repvgg_autoscale_desired_workers',
      help: 'Workers the runnable jobs want, by priority within each job’s workers range, capped by REPVGG_MAX_WORKERS',
      registers: [metrics.registry],
      async collect() {
        this.set((await plan()).desiredWorkers);
      },
    });
  }

  async plan(): Promise<Autoscale> {
    return autoscalePlan(await this.store.jobsIn(RUNNABLE_STATES), this.maxWorkers);
  }
}
