import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from '../config/coordinator-config';
import { StatefulSetScaleRepository } from '@repvgg/contracts/kubernetes/statefulset-scale.repository';
import { AutoscaleService } from './autoscale.service';
import { WorkerScaler } from './worker-scaler';

/**
 * REPVGG_SCALER=kubernetes: the coordinator scales the worker StatefulSet itself, every
 * REPVGG_SCALER_INTERVAL_MS, to GET /v1/autoscale's desiredWorkers (an alternative to KEDA).
 */
@Injectable()
export class KubernetesScalerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scaler');
  private readonly scaler: WorkerScaler;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private lastError = '';

  constructor(autoscale: AutoscaleService, @Inject(COORDINATOR_CONFIG) config: CoordinatorConfig) {
    const target = new StatefulSetScaleRepository(config.scalerTarget, config.kubeconfig);
    this.intervalMs = config.scalerIntervalMs;
    this.scaler = new WorkerScaler(
      target,
      async () => (await autoscale.plan()).desiredWorkers,
      (line) => {
        this.logger.log(`statefulset ${target.namespace}/${target.name}: ${line}`);
      },
    );
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      await this.scaler.reconcile();
      this.lastError = '';
    } catch (err) {
      // A Role without statefulsets/scale or an unreachable API server repeats every tick: say it once.
      const message = `cannot scale the workers: ${(err as Error).message.split('\n')[0] ?? ''}`;
      if (message !== this.lastError) this.logger.error(message);
      this.lastError = message;
    }
  }
}
