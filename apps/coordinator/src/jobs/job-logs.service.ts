import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, type Subscription } from 'rxjs';
import { TERMINAL_STATES, type LogBatch__Output } from '@repvgg/contracts';
import { streamIdAfter } from '../common/stream-id';
import { RendezvousService, type LogSink } from '../rendezvous/rendezvous.service';
import {
  JobLogsRepository,
  LOG_PAGE,
  type NewLogLine,
  type StoredLogLine,
} from '../repositories/job-logs.repository';
import { JobDecodeFailuresService } from './job-decode-failures.service';
import { eventLine, workerLine } from './job-log-lines';
import { JobEventsService } from './job-events.service';
import { JobService } from './job.service';
import { JobNotFoundError } from './job.errors';

interface LiveLine extends StoredLogLine {
  readonly jobId: string;
}

/**
 * A follow stream of a job that is terminal but whose last line is missing waits this long for it:
 * the line is written just after the transition, and a client may ask in between.
 */
const LAST_LINE_GRACE_MS = 2_000;

/**
 * Each job's log: the workers' lines (ReportLogs) and the coordinator's own lines about the job's
 * events (transitions, generations and their reasons, validations, decode failures), stored in a
 * capped Redis stream and fanned out to followers.
 */
@Injectable()
export class JobLogsService implements LogSink, OnModuleDestroy {
  private readonly logger = new Logger(JobLogsService.name);
  private readonly live = new Subject<LiveLine>();
  private readonly events$: Subscription;

  constructor(
    private readonly store: JobLogsRepository,
    private readonly jobs: JobService,
    private readonly decode: JobDecodeFailuresService,
    events: JobEventsService,
    rendezvous: RendezvousService,
  ) {
    rendezvous.attachLogs(this);
    this.events$ = events.published.subscribe(({ jobId, event }) => {
      const line = eventLine(event, new Date().toISOString());
      if (line === null) return;
      // The process log carries the job's own lines too, so they are found there by the job id.
      const { level, message, generation } = line.line;
      this.logger[level === 'info' ? 'log' : level]({ msg: message, jobId, generation });
      this.write(jobId, [line]).catch((err: unknown) => {
        this.logger.warn(`could not store a log line of job ${jobId}: ${String(err)}`);
      });
    });
  }

  onModuleDestroy(): void {
    this.events$.unsubscribe();
    this.live.complete();
  }

  /** A worker's batch for a job it served: its lines, a note of lines it dropped, its decode failures. */
  async onLogs(workerId: string, batch: LogBatch__Output): Promise<boolean> {
    const record = await this.jobs.get(batch.jobId).catch((err: unknown) => {
      if (err instanceof JobNotFoundError) return null;
      throw err;
    });
    if (record === null) return false;
    const now = new Date().toISOString();
    const lines: NewLogLine[] = [];
    if (batch.dropped > 0) {
      const note = `${batch.dropped} line(s) dropped: the worker's log buffer was full while the coordinator was away`;
      lines.push({ line: workerLine(workerId, { at: now, level: 'warn', message: note }, now) });
    }
    for (const l of batch.lines) lines.push({ line: workerLine(workerId, l, now) });
    await this.write(batch.jobId, lines);
    if (batch.decodeFailures > 0) {
      await this.decode.record(batch.jobId, workerId, batch.decodeFailures, batch.decodeSamples);
    }
    return true;
  }

  private async write(jobId: string, lines: readonly NewLogLine[]): Promise<void> {
    for (const stored of await this.store.append(jobId, lines))
      this.live.next({ ...stored, jobId });
  }

  /**
   * The job's lines after `after` (all when absent). Without `follow` it completes after the lines
   * stored now; with `follow` it goes on with new lines and completes once the job is terminal and
   * its last line was sent.
   */
  stream(jobId: string, after: string | undefined, follow: boolean): Observable<StoredLogLine> {
    return new Observable<StoredLogLine>((subscriber) => {
      let last = after ?? '0-0';
      let replaying = true;
      let lastLineSeen = false;
      let liveEnd = false;
      let grace: NodeJS.Timeout | undefined;
      const buffered: LiveLine[] = [];
      const finish = (): void => {
        subscriber.complete();
      };
      const emit = (e: StoredLogLine): void => {
        if (subscriber.closed || !streamIdAfter(e.id, last)) return;
        last = e.id;
        lastLineSeen ||= e.last;
        subscriber.next(e);
      };
      const sub = follow
        ? this.live.subscribe({
            next: (e) => {
              if (e.jobId !== jobId) return;
              // Only a last line that arrives now ends the stream: a resumed job has older ones.
              liveEnd ||= e.last;
              if (replaying) {
                buffered.push(e);
                return;
              }
              emit(e);
              if (e.last) finish();
            },
            complete: finish,
          })
        : undefined;
      const replay = async (): Promise<void> => {
        const record = await this.jobs.get(jobId);
        for (let page = await this.store.read(jobId, after); ;) {
          for (const e of page) emit(e);
          const tail = page.at(-1);
          if (page.length < LOG_PAGE || tail === undefined || subscriber.closed) break;
          page = await this.store.read(jobId, tail.id);
        }
        if (!follow) {
          finish();
          return;
        }
        for (const e of buffered) emit(e);
        replaying = false;
        if (!liveEnd && !TERMINAL_STATES.has(record.state)) return;
        const recent = Date.now() - Date.parse(record.updatedAt) < LAST_LINE_GRACE_MS;
        if (liveEnd || lastLineSeen || !recent) finish();
        else grace = setTimeout(finish, LAST_LINE_GRACE_MS);
      };
      replay().catch((err: unknown) => {
        subscriber.error(err);
      });
      return () => {
        sub?.unsubscribe();
        clearTimeout(grace);
      };
    });
  }
}
