import { Injectable, Logger } from '@nestjs/common';
import {
  TERMINAL_STATES,
  samplesDigestSchema,
  type EpochPayload,
  type EpochReport__Output,
  type JobRecord,
  type ShardPayload,
  type StepReport__Output,
} from '@repvgg/contracts';
import { jobPath } from '@repvgg/training/store/store-layout';
import { KeyedChain } from '../common/keyed-chain';
import { JobEventsService } from '../jobs/job-events.service';
import { JobService } from '../jobs/job.service';
import { MetricsService } from '../metrics/metrics.service';
import { QueueRepository } from '../repositories/queue.repository';
import type { Generation } from '../rendezvous/generation';
import { RendezvousEvents, type RendezvousHandler } from '../rendezvous/rendezvous-events';
import { RendezvousService } from '../rendezvous/rendezvous.service';
import { FinalizerService } from '../finalizer/finalizer.service';
import { planEpoch } from './epoch-plan';
import { withWorkerCount } from './worker-history';

interface Waiter<T> {
  readonly resolve: (value: T | null) => void;
}

interface ShardWait extends Waiter<never> {
  readonly payload: ShardPayload;
  readonly progress: (committedStep: number) => Promise<void>;
}

/**
 * Drives running jobs: plans each epoch as a BullMQ flow, hands shards and validations to the job's
 * generation through the rendezvous, records every committed step, and after the last epoch runs
 * the finalizer. One job's shards run one after another; different jobs' shards run at once.
 */
@Injectable()
export class TrainingService implements RendezvousHandler {
  private readonly logger = new Logger(TrainingService.name);
  /** One job's shards and epoch ends run one after another. */
  private readonly chains = new KeyedChain();
  private readonly shardWaits = new Map<string, ShardWait>();
  private readonly epochWaits = new Map<string, Waiter<EpochReport__Output>>();

  constructor(
    private readonly jobs: JobService,
    private readonly events: JobEventsService,
    private readonly queue: QueueRepository,
    private readonly rendezvous: RendezvousService,
    private readonly finalizer: FinalizerService,
    private readonly metrics: MetricsService,
    rendezvousEvents: RendezvousEvents,
  ) {
    rendezvousEvents.subscribe(this);
    jobs.transitions$.subscribe(({ record, transition }) => {
      if (transition.from === 'running') this.stop(record);
    });
  }

  startQueues(): void {
    this.queue.start({
      shard: (data, progress) => this.chains.run(data.jobId, () => this.runShard(data, progress)),
      epoch: (data) => this.chains.run(data.jobId, () => this.runEpochEnd(data)),
    });
  }

  /** A job entering (or, after a restart, still in) running: plan its current epoch and admit it. */
  async begin(record: JobRecord): Promise<void> {
    if (record.progress.epoch >= record.spec.epochs) {
      // resumed after its last epoch (its finalizer had failed): only the finalizer is left
      if ((await this.jobs.transition(record.id, 'finalizing', 'every epoch done')) !== null) {
        await this.finalize(record.id);
      }
      return;
    }
    // Store-relative: each worker resolves them against its own mount of the store.
    const artifactDir = jobPath(record.id);
    const initial = record.spec.initialCheckpoint;
    let checkpoint = '';
    if (record.latestCheckpoint !== null) checkpoint = `${artifactDir}/${record.latestCheckpoint}`;
    else if (initial !== undefined) checkpoint = initial;
    // Admit before planning: a shard may start the moment its flow exists, and hands its work to
    // the job's rendezvous entry.
    this.rendezvous.addJob({
      id: record.id,
      priority: record.spec.priority,
      createdAt: record.createdAt,
      min: record.spec.workers.min,
      max: record.spec.workers.max,
      virtualReplicas: record.spec.virtualReplicas,
      specJson: JSON.stringify(record.spec),
      artifactDir,
      generation: record.generation,
      checkpoint,
      failureBudget: {
        maxFailures: record.spec.failureBudget.maxFailures,
        noProgressMs: record.spec.failureBudget.noProgressSeconds * 1000,
      },
    });
    await this.plan(record, record.progress.epoch);
  }

  /**
   * Runs the finalizer of a job in `finalizing`, then marks it succeeded or failed. Never rejects
   * (it runs unawaited after the last epoch): when the outcome cannot be stored (Redis away) the
   * job stays in finalizing, which a restarted coordinator finalizes again, and this is logged.
   */
  async finalize(id: string): Promise<void> {
    try {
      const record = await this.jobs.get(id);
      let outcome: ['succeeded' | 'failed', string];
      try {
        outcome = ['succeeded', await this.finalizer.run(record)];
      } catch (err) {
        this.logger.warn(`job ${id} failed to finalize: ${(err as Error).message}`);
        outcome = ['failed', (err as Error).message];
      }
      await this.jobs.transition(id, ...outcome);
    } catch (err) {
      this.logger.error(
        `job ${id}: could not store the end of its finalizer, it stays finalizing until a restart finalizes it again: ${(err as Error).stack ?? String(err)}`,
      );
    }
  }

  async onStep(jobId: string, r: StepReport__Output): Promise<void> {
    const at = new Date().toISOString();
    const metrics = {
      epoch: r.epoch,
      step: r.step,
      loss: r.loss,
      lr: r.lr,
      images: r.images,
      seconds: r.seconds,
      allreduceSeconds: r.allreduceSeconds,
      dataWaitSeconds: r.dataWaitSeconds,
      computeSeconds: r.computeSeconds,
      applySeconds: r.applySeconds,
      commitSeconds: r.commitSeconds,
      workers: this.rendezvous.generationOf(jobId)?.members.length ?? 0,
      at,
      generation: r.generation,
      ...(samplesDigestSchema.safeParse(r.samplesDigest).success
        ? { samplesDigest: r.samplesDigest }
        : {}),
    };
    const updated = await this.jobs.commitStep(
      jobId,
      (rec) => {
        // Exactly once: a step already committed (re-sent by a new leader) changes nothing.
        if (rec.state !== 'running' || r.epoch !== rec.progress.epoch) return null;
        if (r.step + 1 <= rec.progress.committedSteps) return null;
        const committed = r.step + 1;
        return {
          ...rec,
          updatedAt: at,
          latestMetrics: metrics,
          latestCheckpoint: r.checkpoint === '' ? rec.latestCheckpoint : r.checkpoint,
          progress: {
            ...rec.progress,
            committedSteps: committed,
            completedSteps: r.epoch * rec.progress.stepsPerEpoch + committed,
          },
        };
      },
      metrics,
    );
    if (updated === null) return;
    if (r.checkpoint !== '') this.rendezvous.setCheckpoint(jobId, r.checkpoint);
    this.metrics.observeStep(jobId, metrics);
    const wait = this.shardWaits.get(jobId);
    if (wait?.payload.epoch !== r.epoch) return;
    await wait.progress(r.step);
    if (r.step + 1 >= wait.payload.endStep) wait.resolve(null);
  }

  onEpoch(jobId: string, report: EpochReport__Output): Promise<void> {
    const wait = this.epochWaits.get(jobId);
    wait?.resolve(report);
    return Promise.resolve();
  }

  async onGiveUp(jobId: string, reason: string): Promise<void> {
    this.logger.warn(`job ${jobId} failed: ${reason}`);
    await this.jobs.transition(jobId, 'failed', reason);
  }

  async onGeneration(jobId: string, g: Generation | null, reason: string): Promise<void> {
    const workers = g?.members.map((m) => m.workerId) ?? [];
    const number = g?.number ?? (await this.jobs.get(jobId)).generation + 1;
    await this.jobs.update(jobId, (rec) => ({
      ...rec,
      generation: Math.max(rec.generation, number),
      workers,
      workerHistory: withWorkerCount(rec.workerHistory, {
        generation: number,
        workers: workers.length,
      }),
    }));
    await this.events.publish(jobId, {
      type: 'generation',
      jobId,
      generation: number,
      workers,
      reason,
    });
    this.metrics.setWorkers(jobId, workers.length);
  }

  private async plan(record: JobRecord, epoch: number): Promise<void> {
    const { parent, shards } = planEpoch(
      record.id,
      epoch,
      record.progress.stepsPerEpoch,
      record.spec.shardSteps,
    );
    await this.queue.addEpochFlow(parent, shards, record.spec.priority);
  }

  private async runShard(
    data: ShardPayload,
    progress: ShardWait['progress'],
  ): Promise<'done' | 'later'> {
    const record = await this.jobs.get(data.jobId);
    if (record.state !== 'running') return 'done';
    const done = record.progress.epoch > data.epoch ? data.endStep : record.progress.committedSteps;
    // Steps commit in order: after a restart BullMQ may offer a later shard before it retakes the
    // stalled earlier one, which must run first or its steps would be skipped.
    if (done < data.startStep) return 'later';
    const resumeStep = Math.max(data.startStep, done);
    if (resumeStep >= data.endStep) return 'done';
    await new Promise<null>((resolve) => {
      this.shardWaits.set(data.jobId, { payload: data, progress, resolve });
      this.rendezvous.setWork(data.jobId, {
        kind: 'shard',
        epoch: data.epoch,
        shard: data.shard,
        startStep: data.startStep,
        endStep: data.endStep,
        resumeStep,
        stepsPerEpoch: record.progress.stepsPerEpoch,
      });
    });
    this.shardWaits.delete(data.jobId);
    this.rendezvous.setWork(data.jobId, null);
    return 'done';
  }

  /** Every shard of the epoch is committed: validate, record, then plan the next epoch or finalize. */
  private async runEpochEnd(data: EpochPayload): Promise<void> {
    const record = await this.jobs.get(data.jobId);
    if (record.state !== 'running' || record.progress.epoch !== data.epoch) return;
    const report = await new Promise<EpochReport__Output | null>((resolve) => {
      this.epochWaits.set(data.jobId, { resolve });
      this.rendezvous.setWork(data.jobId, { kind: 'validate', epoch: data.epoch });
    });
    this.epochWaits.delete(data.jobId);
    this.rendezvous.setWork(data.jobId, null);
    if (report === null) return;
    if (report.checkpoint !== '') this.rendezvous.setCheckpoint(data.jobId, report.checkpoint);
    const at = new Date().toISOString();
    const result = {
      epoch: data.epoch,
      valLoss: report.valLoss,
      top1: report.top1,
      top5: report.top5,
      imagesPerSecond: report.imagesPerSecond,
      at,
    };
    const last = data.epoch + 1 >= record.spec.epochs;
    const updated = await this.jobs.update(data.jobId, (rec) => ({
      ...rec,
      updatedAt: at,
      epochResults: [...rec.epochResults.filter((e) => e.epoch !== data.epoch), result],
      latestCheckpoint: report.checkpoint === '' ? rec.latestCheckpoint : report.checkpoint,
      progress: { ...rec.progress, epoch: data.epoch + 1, committedSteps: 0 },
    }));
    await this.events.publish(data.jobId, { type: 'epoch', jobId: data.jobId, result });
    if (updated === null) return;
    if (!last) {
      await this.plan(updated, data.epoch + 1);
      return;
    }
    if ((await this.jobs.transition(data.jobId, 'finalizing', 'last epoch done')) !== null) {
      void this.finalize(data.jobId);
    }
  }

  /** The job left running: release its workers, end its waits and drop queued shards. */
  private stop(record: JobRecord): void {
    this.rendezvous.removeJob(record.id);
    this.shardWaits.get(record.id)?.resolve(null);
    this.epochWaits.get(record.id)?.resolve(null);
    // A finished job's series are gone (MetricsService drops them): do not bring one back.
    if (!TERMINAL_STATES.has(record.state)) this.metrics.setWorkers(record.id, 0);
    if (TERMINAL_STATES.has(record.state)) {
      this.queue.removeEpochFlow(record.id, record.progress.epoch).catch((err: unknown) => {
        this.logger.warn(`could not remove the flow of job ${record.id}: ${String(err)}`);
      });
    }
  }
}
