import { DelayedError, FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  QueueJobName,
  QueueName,
  backoffDelay,
  type BackoffPolicy,
  epochPayloadSchema,
  shardPayloadSchema,
  type EpochPayload,
  type ShardPayload,
} from '@repvgg/contracts';
import { atMostEvery } from './at-most-every';
import { answersPing } from './redis-ping';

export interface QueueHandlers {
  /** Runs once every shard of the epoch has completed. */
  epoch(data: EpochPayload): Promise<void>;
  /**
   * Runs a shard; `progress` records the last committed step on the BullMQ job (at most once per
   * `PROGRESS_INTERVAL_MS`: it is shown, not read back). `later`: an earlier
   * shard of the job is not committed yet (it is being retaken after a restart); try again soon.
   */
  shard(
    data: ShardPayload,
    progress: (committedStep: number) => Promise<void>,
  ): Promise<'done' | 'later'>;
}

export interface QueueOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /** Lock of an active job; a crashed coordinator's shards are retaken after it expires. */
  readonly lockMs: number;
}

/** Shards of different jobs run at once; one job's shards are serialized by the training service. */
const SHARD_CONCURRENCY = 64;
const EPOCH_CONCURRENCY = 16;
/** A stall is a coordinator restart, never a poisoned job: retake it however often it happens. */
const MAX_STALLS = 1_000_000;
/**
 * How often a shard's BullMQ progress is written: it was a script call (EVALSHA) per committed step
 * on the coordinator's path, for a value that is only shown (BullMQ's UIs), never read back.
 */
const PROGRESS_INTERVAL_MS = 1_000;
/** How often `dropEpochFlow` looks whether a stopped job's active shard has let go. */
const RETRY_LATER_MS = 250;
/**
 * A shard that must wait for an earlier one (retaken after a restart) is offered again after these
 * jittered, growing waits (by its BullMQ attempts), not every 250 ms for as long as the earlier
 * shard trains; the cap keeps the start of its turn within about two seconds.
 */
export const SHARD_REPOLL_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 2_000 };

/** BullMQ's refusal to remove a job some worker holds the lock of (its message is all it gives). */
const isLockedRemoval = (err: unknown): boolean =>
  err instanceof Error && err.message.endsWith('because it is locked by another worker');

const epochFlowId = (jobId: string, epoch: number): string => `${jobId}.e${epoch}`;
const shardFlowId = (jobId: string, epoch: number, shard: number): string =>
  `${jobId}.e${epoch}.s${shard}`;

/** BullMQ priority: 1 is the most urgent; job priorities run from -100 to 100. */
const bullPriority = (priority: number): number => 101 - priority;

/** The one repository that talks to BullMQ: epoch flows (epoch parent, shard children). */
export class QueueRepository {
  private readonly connection: Redis;
  private readonly flows: FlowProducer;
  private readonly epochQueue: Queue;
  private readonly shardQueue: Queue;
  private readonly workers: Worker[] = [];

  constructor(private readonly opts: QueueOptions) {
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    const base = { connection: this.connection, prefix: opts.prefix };
    this.flows = new FlowProducer(base);
    this.epochQueue = new Queue(QueueName.Epoch, base);
    this.shardQueue = new Queue(QueueName.Shard, base);
  }

  /** Adds the epoch's flow unless it already exists (planning is idempotent across restarts). */
  async addEpochFlow(epoch: EpochPayload, shards: ShardPayload[], priority: number): Promise<void> {
    const parentId = epochFlowId(epoch.jobId, epoch.epoch);
    if ((await this.epochQueue.getJob(parentId)) !== undefined) return;
    const opts = { priority: bullPriority(priority), removeOnComplete: true, removeOnFail: 100 };
    await this.flows.add({
      name: QueueJobName.Epoch,
      queueName: QueueName.Epoch,
      data: epoch,
      opts: { ...opts, jobId: parentId },
      children: shards.map((s) => ({
        name: QueueJobName.Shard,
        queueName: QueueName.Shard,
        data: s,
        opts: { ...opts, jobId: shardFlowId(s.jobId, s.epoch, s.shard) },
      })),
    });
  }

  /** Removes an epoch's flow when it is not running (cancelled jobs); running ones end on their own. */
  async removeEpochFlow(jobId: string, epoch: number): Promise<void> {
    const parent = await this.epochQueue.getJob(epochFlowId(jobId, epoch));
    if (parent === undefined) return;
    try {
      await parent.remove({ removeChildren: true });
    } catch (err) {
      // A locked (active) child keeps the flow; its processor sees the job stopped and returns.
      // Anything else (Redis away) is the caller's to report.
      if (!isLockedRemoval(err)) throw err;
    }
  }

  /**
   * Removes the epoch's flow and waits up to `waitMs` until it is gone: a shard that was active
   * when its job stopped completes on its own within moments, then its parent runs and goes.
   * False when the flow is still there.
   */
  async dropEpochFlow(jobId: string, epoch: number, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      await this.removeEpochFlow(jobId, epoch);
      if ((await this.epochQueue.getJob(epochFlowId(jobId, epoch))) === undefined) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, RETRY_LATER_MS));
    }
  }

  /** Shards not yet done: what KEDA scales workers on. */
  backlog(): Promise<number> {
    return this.shardQueue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized');
  }

  start(handlers: QueueHandlers): void {
    const base = {
      connection: this.connection,
      prefix: this.opts.prefix,
      lockDuration: this.opts.lockMs,
      stalledInterval: Math.max(250, Math.floor(this.opts.lockMs / 2)),
      maxStalledCount: MAX_STALLS,
    };
    this.workers.push(
      new Worker(
        QueueName.Shard,
        async (job: Job, token?: string) => {
          const data = shardPayloadSchema.parse(job.data);
          const outcome = await handlers.shard(
            data,
            atMostEvery(PROGRESS_INTERVAL_MS, (committedStep: number) =>
              job.updateProgress({ committedStep }),
            ),
          );
          if (outcome === 'later') {
            const wait = backoffDelay(SHARD_REPOLL_BACKOFF, job.attemptsStarted - 1);
            await job.moveToDelayed(Date.now() + wait, token);
            throw new DelayedError();
          }
        },
        { ...base, concurrency: SHARD_CONCURRENCY },
      ),
      new Worker(
        QueueName.Epoch,
        async (job: Job) => {
          await handlers.epoch(epochPayloadSchema.parse(job.data));
        },
        { ...base, concurrency: EPOCH_CONCURRENCY },
      ),
    );
  }

  /** Whether Redis answers now; false at once while the connection is down. */
  ping(): Promise<boolean> {
    return answersPing(this.connection);
  }

  /** Stops taking work. `force` abandons active jobs (their locks expire and another coordinator retakes them). */
  async close(force = false): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(force)));
    await Promise.all([this.flows.close(), this.epochQueue.close(), this.shardQueue.close()]);
    await this.connection.quit();
  }
}
