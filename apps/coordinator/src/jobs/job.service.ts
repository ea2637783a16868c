import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import {
  JOB_STATES,
  TERMINAL_STATES,
  canTransition,
  noDecodeFailures,
  type JobListQuery,
  type JobPage,
  type JobRecord,
  type JobSpec,
  type JobState,
  type JobView,
  type StateTransition,
  type StepMetrics,
  type EpochResult,
} from '@repvgg/contracts';
import { COORDINATOR_CONFIG, type CoordinatorConfig } from '../config/coordinator-config';
import { RedisStoreRepository } from '../repositories/redis-store.repository';
import { confineDatasetPath, DatasetPathError } from './dataset-path';
import { decodeJobCursor, encodeJobCursor } from './job-cursor';
import { InvalidRequestError, JobFinishedError, JobNotFoundError } from './job.errors';

export interface TransitionNotice {
  readonly record: JobRecord;
  readonly transition: StateTransition;
}

export interface JobMetricsView {
  readonly latest: StepMetrics | null;
  readonly steps: StepMetrics[];
  readonly epochs: EpochResult[];
}

const ETA_WINDOW = 50;

/** Jobs: submission, reads, cancellation, and the one place state transitions are written. */
@Injectable()
export class JobService {
  /** Every persisted transition, for the services that react to them (in process). */
  readonly transitions$ = new Subject<TransitionNotice>();

  constructor(
    private readonly store: RedisStoreRepository,
    @Inject(COORDINATOR_CONFIG) private readonly config: CoordinatorConfig,
  ) {}

  async submit(spec: JobSpec): Promise<JobRecord> {
    let path: string;
    try {
      path = await confineDatasetPath(spec.dataset.path, this.config.dataRoots);
    } catch (err) {
      if (!(err instanceof DatasetPathError)) throw err;
      throw new InvalidRequestError('invalid job spec', [
        { path: 'dataset.path', message: err.message },
      ]);
    }
    const now = new Date().toISOString();
    const record: JobRecord = {
      id: randomUUID(),
      spec: { ...spec, dataset: { ...spec.dataset, path } },
      state: 'queued',
      reason: 'submitted',
      createdAt: now,
      updatedAt: now,
      dataset: null,
      progress: { epoch: 0, stepsPerEpoch: 0, committedSteps: 0, totalSteps: 0, completedSteps: 0 },
      latestMetrics: null,
      epochResults: [],
      generation: 0,
      workers: [],
      workerHistory: [],
      latestCheckpoint: null,
      decodeFailures: noDecodeFailures(),
    };
    const transition: StateTransition = { from: null, to: 'queued', reason: 'submitted', at: now };
    await this.store.createJob(record, transition);
    this.transitions$.next({ record, transition });
    return record;
  }

  async get(id: string): Promise<JobRecord> {
    const record = await this.store.getJob(id);
    if (record === null) throw new JobNotFoundError(id);
    return record;
  }

  /** One page of jobs, oldest first, optionally in one state. */
  async list(query: JobListQuery): Promise<JobPage> {
    const after = query.cursor === undefined ? undefined : decodeJobCursor(query.cursor);
    if (after === null) {
      throw new InvalidRequestError('invalid job list query', [
        { path: 'cursor', message: 'not a nextCursor of this API: list again without it' },
      ]);
    }
    const page = await this.store.pageJobs(query.state, query.limit, after);
    return { jobs: page.jobs, nextCursor: page.next === null ? null : encodeJobCursor(page.next) };
  }

  /** Jobs not yet in a terminal state, oldest first (what a restarted coordinator picks up). */
  async unfinished(): Promise<JobRecord[]> {
    await this.store.indexStates();
    return this.store.jobsIn(JOB_STATES.filter((s) => !TERMINAL_STATES.has(s)));
  }

  async view(id: string): Promise<JobView> {
    const record = await this.get(id);
    const [transitions, steps] = await Promise.all([
      this.store.getTransitions(id),
      this.store.getStepMetrics(id, ETA_WINDOW),
    ]);
    return { ...record, transitions, etaSeconds: eta(record, steps) };
  }

  async metrics(id: string, count: number): Promise<JobMetricsView> {
    const record = await this.get(id);
    const steps = await this.store.getStepMetrics(id, count);
    return { latest: record.latestMetrics, steps, epochs: record.epochResults };
  }

  async cancel(id: string, reason = 'cancelled by request'): Promise<JobRecord> {
    const record = await this.get(id);
    if (TERMINAL_STATES.has(record.state)) throw new JobFinishedError(id, record.state);
    return (await this.transition(id, 'cancelled', reason)) ?? (await this.get(id));
  }

  /**
   * Moves a job to `to` if the lifecycle allows it from its current state: the record, the
   * transition (reason, time) and its event are stored in one atomic write, then published and
   * announced; returns null, changing nothing, when the lifecycle does not allow it. `change` edits
   * the record in the same write (a resume rewinds its progress).
   */
  async transition(
    id: string,
    to: JobState,
    reason: string,
    change: (r: JobRecord) => JobRecord = (r) => r,
  ): Promise<JobRecord | null> {
    const at = new Date().toISOString();
    const done = await this.store.transition(id, (r) => {
      if (!canTransition(r.state, to)) return null;
      return {
        record: { ...change(r), state: to, reason, updatedAt: at },
        transition: { from: r.state, to, reason, at },
      };
    });
    if (done === null) return null;
    this.transitions$.next({ record: done.record, transition: done.transition });
    return done.record;
  }

  /** Removes the job's record, transitions, events and step metrics from the store. */
  delete(id: string): Promise<void> {
    return this.store.deleteJob(id);
  }

  /**
   * A committed step: `mutate` advances the record (null: a step already committed, or a job no
   * longer running — nothing is written), stored with the step's metrics and `step` event at once.
   */
  commitStep(
    id: string,
    mutate: (r: JobRecord) => JobRecord | null,
    metrics: StepMetrics,
  ): Promise<JobRecord | null> {
    return this.store.commitStep(id, mutate, metrics);
  }

  update(id: string, mutate: (r: JobRecord) => JobRecord | null): Promise<JobRecord | null> {
    return this.store.update(id, mutate);
  }
}

/** Remaining steps at the mean pace of the latest steps; null before any step. */
function eta(record: JobRecord, steps: readonly StepMetrics[]): number | null {
  if (record.state !== 'running' || steps.length === 0) return null;
  const seconds = steps.reduce((s, m) => s + m.seconds, 0) / steps.length;
  return Math.max(0, record.progress.totalSteps - record.progress.completedSteps) * seconds;
}
