import type { DecodeFailure, LogBatch, LogLine } from '@repvgg/contracts';
import type { DecodeFailures } from '@repvgg/training';

export interface JobLogShipperOptions {
  /** Sends one job's batch: false when the coordinator refused it, rejects when it is unreachable. */
  readonly send: (batch: LogBatch) => Promise<boolean>;
  /** The worker's current id (it changes when the worker registers again). */
  readonly workerId: () => string;
  /** Local notes about shipping itself. */
  readonly log: (line: string) => void;
  /** A batch leaves at least this often while lines wait (default 500 ms). */
  readonly intervalMs?: number;
  /** Lines per batch; this many waiting lines send a batch at once (default 100). */
  readonly batchLines?: number;
  /** Lines held while the coordinator is away; beyond it the oldest are dropped and counted (default 2000). */
  readonly capacity?: number;
}

interface Queued {
  readonly jobId: string;
  readonly line: LogLine;
}

/** A job's decode-failure counter and how much of it the coordinator has. */
interface DecodeWatch {
  failures: DecodeFailures;
  sentCount: number;
  sentNames: number;
  /** Failures of an earlier counter of the job (its context was reopened) not sent yet. */
  carried: number;
}

/** One job's batch and what sending it settles. */
interface Pending {
  readonly batch: LogBatch;
  readonly lines: readonly Queued[];
  readonly commit: () => void;
}

/** Failed samples named per batch: the record keeps only the latest few anyway. */
const SAMPLES_PER_BATCH = 10;

/**
 * Ships a worker's job log lines and decode failures to the coordinator (ReportLogs) in batches, on
 * a timer, one call at a time: `push` only queues, so nothing waits on the coordinator. While the
 * coordinator is away the lines wait, bounded by `capacity` (the oldest are dropped, and the next
 * batch of their job says how many).
 */
export class JobLogShipper {
  private queue: Queued[] = [];
  private readonly dropped = new Map<string, number>();
  private readonly decode = new Map<string, DecodeWatch>();
  private readonly refused = new Set<string>();
  private readonly intervalMs: number;
  private readonly batchLines: number;
  private readonly capacity: number;
  private timer: NodeJS.Timeout | undefined;
  private shipping: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: JobLogShipperOptions) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.batchLines = opts.batchLines ?? 100;
    this.capacity = opts.capacity ?? 2000;
  }

  /** Lines waiting to be sent. */
  get waiting(): number {
    return this.queue.length;
  }

  push(jobId: string, line: LogLine): void {
    if (this.stopped) return;
    this.queue.push({ jobId, line });
    this.trim();
    this.startTimer();
    if (this.queue.length >= this.batchLines) void this.flush();
  }

  /** Reports the job's failures as `failures` counts them (a reopened job context brings a new counter). */
  trackDecodeFailures(jobId: string, failures: DecodeFailures): void {
    const w = this.decode.get(jobId);
    if (w?.failures === failures) return;
    const carried = w === undefined ? 0 : w.carried + w.failures.count - w.sentCount;
    this.decode.set(jobId, { failures, sentCount: 0, sentNames: 0, carried });
    this.startTimer();
  }

  /** Sends what waits, one batch after another, until nothing does or the coordinator is away. */
  flush(): Promise<void> {
    this.shipping ??= this.ship().finally(() => {
      this.shipping = undefined;
    });
    return this.shipping;
  }

  /** Stops the timer and sends what waits, giving up after `timeoutMs` (the worker is leaving). */
  async stop(timeoutMs = 2_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise((resolve) => (timeout = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timeout);
  }

  private startTimer(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private async ship(): Promise<void> {
    for (let p = this.next(); p !== undefined; p = this.next()) {
      let accepted: boolean;
      try {
        accepted = await this.opts.send(p.batch);
      } catch {
        // The coordinator is away: the lines wait (bounded) for the next tick.
        this.queue = [...p.lines, ...this.queue];
        this.trim();
        return;
      }
      p.commit();
      const jobId = p.batch.jobId ?? '';
      if (accepted) this.refused.delete(jobId);
      else if (!this.refused.has(jobId)) {
        this.refused.add(jobId);
        this.opts.log(
          `the coordinator refused the log lines of job ${jobId} (this worker is not known as its member): they are dropped`,
        );
      }
    }
  }

  /** The next batch to send: the job of the oldest waiting line, else one with news to report. */
  private next(): Pending | undefined {
    const jobId =
      this.queue.at(0)?.jobId ??
      [...this.dropped.keys()].at(0) ??
      [...this.decode].find(([, w]) => w.carried + w.failures.count > w.sentCount)?.[0];
    if (jobId === undefined) return undefined;
    const lines: Queued[] = [];
    const rest: Queued[] = [];
    for (const q of this.queue) {
      (q.jobId === jobId && lines.length < this.batchLines ? lines : rest).push(q);
    }
    this.queue = rest;
    const dropped = this.dropped.get(jobId) ?? 0;
    const w = this.decode.get(jobId);
    const count = w === undefined ? 0 : w.failures.count;
    const names = w === undefined || count === w.sentCount ? [] : w.failures.list();
    const fresh: DecodeFailure[] = names.slice(w?.sentNames ?? 0).slice(-SAMPLES_PER_BATCH);
    return {
      batch: {
        workerId: this.opts.workerId(),
        jobId,
        lines: lines.map((q) => q.line),
        dropped,
        decodeFailures: w === undefined ? 0 : w.carried + count - w.sentCount,
        decodeSamples: fresh,
      },
      lines,
      commit: () => {
        const left = (this.dropped.get(jobId) ?? 0) - dropped;
        if (left > 0) this.dropped.set(jobId, left);
        else this.dropped.delete(jobId);
        if (w === undefined) return;
        w.carried = 0;
        w.sentCount = count;
        w.sentNames = Math.max(w.sentNames, names.length);
      },
    };
  }

  /** Drops the oldest lines beyond capacity, counting them per job. */
  private trim(): void {
    const excess = this.queue.length - this.capacity;
    if (excess <= 0) return;
    for (const q of this.queue.splice(0, excess)) {
      this.dropped.set(q.jobId, (this.dropped.get(q.jobId) ?? 0) + 1);
    }
  }
}
