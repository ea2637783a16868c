import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATES, TERMINAL_STATES, type StepMetrics } from '@repvgg/contracts';
import { JobService } from '../jobs/job.service';
import { QueueRepository } from '../repositories/queue.repository';
import { RedisStoreRepository } from '../repositories/redis-store.repository';
import { RendezvousService } from '../rendezvous/rendezvous.service';

/** Prometheus metrics of the coordinator, in a registry of its own (several apps may share a process in tests). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly stepsPerSecond: Gauge<'job'>;
  private readonly imagesPerSecond: Gauge<'job'>;
  private readonly steps: Counter<'job'>;
  private readonly images: Counter<'job'>;
  private readonly allreduce: Histogram;
  private readonly workersPerJob: Gauge<'job'>;
  private readonly decodeFailures = new Counter({
    name: 'repvgg_decode_failures_total',
    help: 'Training or validation samples the workers could not decode',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  constructor(
    store: RedisStoreRepository,
    queue: QueueRepository,
    rendezvous: RendezvousService,
    jobs: JobService,
  ) {
    // A finished job's series would stay in every scrape for the coordinator's lifetime.
    jobs.transitions$.subscribe(({ record }) => {
      if (TERMINAL_STATES.has(record.state)) this.removeJob(record.id);
    });
    const registers = [this.registry];
    new Gauge({
      name: 'repvgg_jobs',
      help: 'Jobs by lifecycle state',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await store.countByState();
        for (const state of JOB_STATES) this.set({ state }, counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'repvgg_shard_backlog',
      help: 'Shards waiting, active, delayed or prioritized (scale workers on this)',
      registers,
      async collect() {
        this.set(await queue.backlog());
      },
    });
    new Gauge({
      name: 'repvgg_workers_registered',
      help: 'Workers registered with the rendezvous',
      registers,
      collect() {
        this.set(rendezvous.listWorkers().length);
      },
    });
    this.workersPerJob = new Gauge({
      name: 'repvgg_job_workers',
      help: 'Workers in the current generation of each job',
      labelNames: ['job'],
      registers,
    });
    this.stepsPerSecond = new Gauge({
      name: 'repvgg_job_steps_per_second',
      help: 'Optimizer steps per second of the latest committed step',
      labelNames: ['job'],
      registers,
    });
    this.imagesPerSecond = new Gauge({
      name: 'repvgg_job_images_per_second',
      help: 'Training images per second of the latest committed step',
      labelNames: ['job'],
      registers,
    });
    this.steps = new Counter({
      name: 'repvgg_steps_total',
      help: 'Committed optimizer steps',
      labelNames: ['job'],
      registers,
    });
    this.images = new Counter({
      name: 'repvgg_images_total',
      help: 'Training images in committed steps',
      labelNames: ['job'],
      registers,
    });
    this.allreduce = new Histogram({
      name: 'repvgg_allreduce_seconds',
      help: 'Gradient all-reduce time per step',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  observeStep(jobId: string, m: StepMetrics): void {
    const job = { job: jobId };
    this.steps.inc(job);
    this.images.inc(job, m.images);
    if (m.seconds > 0) {
      this.stepsPerSecond.set(job, 1 / m.seconds);
      this.imagesPerSecond.set(job, m.images / m.seconds);
    }
    this.allreduce.observe(m.allreduceSeconds);
  }

  /** Drops every series of a job (it ended or was deleted). */
  removeJob(jobId: string): void {
    const job = { job: jobId };
    for (const metric of [
      this.stepsPerSecond,
      this.imagesPerSecond,
      this.steps,
      this.images,
      this.workersPerJob,
      this.decodeFailures,
    ]) {
      metric.remove(job);
    }
  }

  setWorkers(jobId: string, count: number): void {
    this.workersPerJob.set({ job: jobId }, count);
  }

  countDecodeFailures(jobId: string, count: number): void {
    this.decodeFailures.inc({ job: jobId }, count);
  }
}
