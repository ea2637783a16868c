import { Injectable } from '@nestjs/common';
import { RESUMABLE_STATES, TERMINAL_STATES, type JobRecord } from '@repvgg/contracts';
import { readCheckpointMeta, type TrainCursor } from '@repvgg/training';
import { jobPath } from '@repvgg/training/store/store-layout';
import { KeyedChain } from '../common/keyed-chain';
import { MetricsService } from '../metrics/metrics.service';
import { ArtifactRepository } from '../repositories/artifact.repository';
import { JobLogsRepository } from '../repositories/job-logs.repository';
import { QueueRepository } from '../repositories/queue.repository';
import {
  JobNotFinishedError,
  JobNotResumableError,
  JobStoppingError,
  ResumeCheckpointMissingError,
} from './job.errors';
import { JobService } from './job.service';
import { rewindTo } from './job-rewind';

/** How long a request waits for a stopped job's last shard to let go of its epoch flow. */
const FLOW_RELEASE_MS = 10_000;

const START: TrainCursor = { epoch: 0, step: 0, globalStep: 0 };

/**
 * Operations on finished jobs: resume (a failed or cancelled job continues from its latest
 * checkpoint) and delete (everything of a finished job goes). One job's operations run one after
 * another.
 */
@Injectable()
export class JobOperationsService {
  private readonly chains = new KeyedChain();

  constructor(
    private readonly jobs: JobService,
    private readonly queue: QueueRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly metrics: MetricsService,
    private readonly logs: JobLogsRepository,
  ) {}

  /**
   * Back to queued with its progress rewound to the latest checkpoint (the seed or the spec's
   * initialCheckpoint without one); the lifecycle then prepares and runs it as a new job, and
   * workers that hold no state at that step load the checkpoint.
   */
  resume(id: string): Promise<JobRecord> {
    return this.chains.run(id, async () => {
      const record = await this.jobs.get(id);
      if (!RESUMABLE_STATES.has(record.state)) throw new JobNotResumableError(id, record.state);
      await this.releaseFlow(record);
      const cursor = await this.cursorOf(record);
      const from =
        record.latestCheckpoint === null
          ? 'the start (no checkpoint yet)'
          : `checkpoint ${record.latestCheckpoint} (epoch ${cursor.epoch}, step ${cursor.step})`;
      const resumed = await this.jobs.transition(id, 'queued', `resumed from ${from}`, (r) =>
        rewindTo(r, cursor),
      );
      if (resumed === null) throw new JobNotResumableError(id, (await this.jobs.get(id)).state);
      return resumed;
    });
  }

  /** Removes a finished job: queued leftovers, artifacts, metric series, logs, then its records. */
  delete(id: string): Promise<void> {
    return this.chains.run(id, async () => {
      const record = await this.jobs.get(id);
      if (!TERMINAL_STATES.has(record.state)) throw new JobNotFinishedError(id, record.state);
      await this.releaseFlow(record);
      await this.artifacts.removeJob(id);
      this.metrics.removeJob(id);
      await this.logs.remove(id);
      // last: until the record goes, a failed deletion can be asked for again
      await this.jobs.delete(id);
    });
  }

  private async releaseFlow(record: JobRecord): Promise<void> {
    const epoch = record.progress.epoch;
    if (!(await this.queue.dropEpochFlow(record.id, epoch, FLOW_RELEASE_MS))) {
      throw new JobStoppingError(record.id);
    }
  }

  private async cursorOf(record: JobRecord): Promise<TrainCursor> {
    const name = record.latestCheckpoint;
    if (name === null) return START;
    const dir = await this.artifacts.store.locate(jobPath(record.id), name, 'dir');
    if (dir === undefined) throw new ResumeCheckpointMissingError(record.id, name);
    return (await readCheckpointMeta(dir)).cursor;
  }
}
