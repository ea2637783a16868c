import type { OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { jobLogLineSchema, type JobLogLine } from '@repvgg/contracts';

/** One stored log line: its stream id (the SSE id) and whether it is the job's last. */
export interface StoredLogLine {
  readonly id: string;
  readonly line: JobLogLine;
  /** The coordinator's line about the job's terminal state: a follow stream ends after it. */
  readonly last: boolean;
}

export interface NewLogLine {
  readonly line: JobLogLine;
  readonly last?: boolean;
}

/** Lines read per XRANGE while replaying a stream. */
export const LOG_PAGE = 500;

/**
 * Each job's log lines in a capped Redis stream (`<prefix>:job:<id>:logs`, XADD MAXLEN ~ maxLines:
 * at least the newest maxLines are kept, Redis trims whole stream nodes).
 */
export class JobLogsRepository implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly maxLines: number,
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  key(jobId: string): string {
    return `${this.prefix}:job:${jobId}:logs`;
  }

  /** Appends lines in order (one round trip); resolves with their stream ids. */
  async append(jobId: string, lines: readonly NewLogLine[]): Promise<StoredLogLine[]> {
    if (lines.length === 0) return [];
    const multi = this.redis.multi();
    for (const { line, last } of lines) {
      const fields = ['line', JSON.stringify(line), ...(last === true ? ['last', '1'] : [])];
      multi.xadd(this.key(jobId), 'MAXLEN', '~', this.maxLines, '*', ...fields);
    }
    const results = (await multi.exec()) ?? [];
    return lines.map(({ line, last }, i) => {
      const [err, id] = results[i] ?? [new Error('no reply'), null];
      if (err !== null || typeof id !== 'string') {
        throw new Error(`Redis refused a log line of job ${jobId}: ${String(err)}`);
      }
      return { id, line, last: last === true };
    });
  }

  /** Up to `count` lines after `afterId` (exclusive; all when absent), oldest first. */
  async read(
    jobId: string,
    afterId: string | undefined,
    count = LOG_PAGE,
  ): Promise<StoredLogLine[]> {
    const start = afterId === undefined ? '-' : `(${afterId}`;
    const entries = await this.redis.xrange(this.key(jobId), start, '+', 'COUNT', count);
    return entries.map(([id, fields]) => {
      const at = (name: string): string | undefined => fields[fields.indexOf(name) + 1];
      return {
        id,
        line: jobLogLineSchema.parse(JSON.parse(at('line') ?? 'null')),
        last: fields.includes('last'),
      };
    });
  }

  /** Drops the job's lines (its record is being deleted). */
  async remove(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId));
  }

  /** Nest closes the connection when the app closes. */
  async onModuleDestroy(): Promise<void> {
    await this.redis.quit();
  }
}
