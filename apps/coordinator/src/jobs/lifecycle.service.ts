import { Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '@repvgg/contracts';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import { stepsPerEpoch } from '../planner/epoch-plan';
import { TrainingService } from '../planner/training.service';
import { ArtifactRepository } from '../repositories/artifact.repository';
import { DatasetRepository } from '../repositories/dataset.repository';
import { DatasetTooSmallError, InitialCheckpointMissingError } from './job.errors';
import { JobService } from './job.service';

/**
 * Moves jobs from queued through preparing into running, and on start picks every unfinished job
 * up where the previous coordinator left it.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger(LifecycleService.name);

  constructor(
    private readonly jobs: JobService,
    private readonly datasets: DatasetRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly training: TrainingService,
  ) {
    jobs.transitions$.subscribe(({ record, transition }) => {
      if (transition.to === 'queued') this.spawn(this.prepare(record.id));
    });
  }

  /** Resumes every unfinished job after a (re)start. */
  async resume(): Promise<void> {
    for (const record of await this.jobs.unfinished()) {
      this.logger.log(`resuming job ${record.id} (${record.state})`);
      switch (record.state) {
        case 'queued':
        case 'preparing':
          this.spawn(this.prepare(record.id));
          break;
        case 'running':
          this.spawn(this.training.begin(record));
          break;
        case 'finalizing':
          this.spawn(this.training.finalize(record.id));
          break;
        case 'succeeded':
        case 'failed':
        case 'cancelled':
          break;
      }
    }
  }

  /** Validates the dataset and the architecture against it; a problem fails the job with its reason. */
  private async prepare(id: string): Promise<void> {
    const record = await this.jobs.get(id);
    if (record.state === 'queued') {
      if ((await this.jobs.transition(id, 'preparing', 'validating the dataset')) === null) return;
    } else if (record.state !== 'preparing') {
      return;
    }
    let prepared: JobRecord | null;
    try {
      const initial = record.spec.initialCheckpoint;
      if (initial !== undefined) {
        await this.artifacts.storeEntry(initial).catch(() => {
          throw new InitialCheckpointMissingError(initial);
        });
      }
      const dataset = await this.datasets.inspect(record.spec.dataset);
      archForClasses(record.spec.architecture, dataset.classes.length);
      const steps = stepsPerEpoch(dataset.trainSamples, record.spec.globalBatch);
      if (steps === 0)
        throw new DatasetTooSmallError(dataset.trainSamples, record.spec.globalBatch);
      prepared = await this.jobs.update(id, (r) => ({
        ...r,
        dataset,
        progress: {
          ...r.progress,
          stepsPerEpoch: steps,
          totalSteps: steps * r.spec.epochs,
        },
      }));
    } catch (err) {
      await this.jobs.transition(id, 'failed', (err as Error).message);
      return;
    }
    if (prepared === null) return;
    const running = await this.jobs.transition(
      id,
      'running',
      `dataset ok: ${prepared.dataset?.trainSamples ?? 0} training images, ${prepared.dataset?.classes.length ?? 0} classes`,
    );
    if (running !== null) await this.training.begin(running);
  }

  private spawn(task: Promise<void>): void {
    task.catch((err: unknown) => {
      this.logger.error(`lifecycle step failed: ${(err as Error).stack ?? String(err)}`);
    });
  }
}
