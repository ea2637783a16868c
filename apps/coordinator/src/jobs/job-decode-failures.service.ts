import { Injectable } from '@nestjs/common';
import {
  DECODE_FAILURES_RECENT,
  type DecodeFailure__Output,
  type DecodeFailureSample,
} from '@repvgg/contracts';
import { MetricsService } from '../metrics/metrics.service';
import { JobEventsService } from './job-events.service';
import { JobService } from './job.service';

/** Longest sample name or reason kept: a path or a decoder's message, not a file's contents. */
const FIELD_MAX = 500;
const clip = (s: string): string => (s.length > FIELD_MAX ? `${s.slice(0, FIELD_MAX)}…` : s);

/**
 * The latest distinct failed samples: `reported` after `recent`, a sample reported again moves to
 * the end, at most DECODE_FAILURES_RECENT kept.
 */
export function mergeRecentFailures(
  recent: readonly DecodeFailureSample[],
  reported: readonly DecodeFailureSample[],
): DecodeFailureSample[] {
  const merged = new Map<string, string>();
  for (const { sample, reason } of [...recent, ...reported]) {
    merged.delete(sample);
    merged.set(sample, reason);
  }
  return [...merged].map(([sample, reason]) => ({ sample, reason })).slice(-DECODE_FAILURES_RECENT);
}

/** Decode failures the workers report reach the job: its record, an event, a Prometheus counter. */
@Injectable()
export class JobDecodeFailuresService {
  constructor(
    private readonly jobs: JobService,
    private readonly events: JobEventsService,
    private readonly metrics: MetricsService,
  ) {}

  async record(
    jobId: string,
    workerId: string,
    count: number,
    reported: readonly DecodeFailure__Output[],
  ): Promise<void> {
    const samples = mergeRecentFailures(
      [],
      reported.map((f) => ({ sample: clip(f.sample), reason: clip(f.reason) })),
    );
    const at = new Date().toISOString();
    let total = 0;
    const updated = await this.jobs.update(jobId, (rec) => {
      total = rec.decodeFailures.count + count;
      return {
        ...rec,
        updatedAt: at,
        decodeFailures: {
          count: total,
          recent: mergeRecentFailures(rec.decodeFailures.recent, samples),
        },
      };
    });
    if (updated === null) return;
    this.metrics.countDecodeFailures(jobId, count);
    await this.events.publish(jobId, { type: 'decode', jobId, workerId, count, total, samples });
  }
}
