import { Redis } from 'ioredis';
import {
  jobEventSchema,
  jobRecordSchema,
  stateTransitionSchema,
  stepMetricsSchema,
  type JobEvent,
  type JobRecord,
  type StateTransition,
  type StepMetrics,
} from '@repvgg/contracts';
import { KeyedChain } from '../common/keyed-chain';
import { answersPing } from './redis-ping';

export interface StoredEvent {
  readonly id: string;
  readonly event: JobEvent;
}

const EVENT_STREAM_LENGTH = 10_000;
const STEP_HISTORY_LENGTH = 1_000;

/**
 * The one Redis store: job records, their transition log, event stream and step metrics.
 * Records are JSON documents; every write of one job goes through `update`, serialized in process
 * (the coordinator is a single instance).
 */
export class RedisStoreRepository {
  private readonly redis: Redis;
  private readonly writes = new KeyedChain();

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  /** Whether a Redis answers at `url` within a few seconds (checked once at start). */
  static async probe(url: string): Promise<boolean> {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 3_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return true;
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** Whether Redis answers now; false at once while the connection is down. */
  ping(): Promise<boolean> {
    return answersPing(this.redis);
  }

  async createJob(record: JobRecord, transition: StateTransition): Promise<void> {
    await this.redis
      .multi()
      .set(this.key('job', record.id), JSON.stringify(record))
      .zadd(this.key('jobs'), Date.parse(record.createdAt), record.id)
      .rpush(this.key('job', record.id, 'transitions'), JSON.stringify(transition))
      .exec();
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const text = await this.redis.get(this.key('job', id));
    return text === null ? null : jobRecordSchema.parse(JSON.parse(text));
  }

  async listJobs(): Promise<JobRecord[]> {
    const ids = await this.redis.zrange(this.key('jobs'), 0, -1);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => this.key('job', id)));
    return texts
      .filter((t): t is string => t !== null)
      .map((t) => jobRecordSchema.parse(JSON.parse(t)));
  }

  /** Read-modify-write of one job; `mutate` returns the new record or null to leave it unchanged. */
  update(id: string, mutate: (record: JobRecord) => JobRecord | null): Promise<JobRecord | null> {
    return this.writes.run(id, async () => {
      const current = await this.getJob(id);
      if (current === null) return null;
      const updated = mutate(current);
      if (updated === null) return current;
      await this.redis.set(this.key('job', id), JSON.stringify(updated));
      return updated;
    });
  }

  async appendTransition(id: string, transition: StateTransition): Promise<void> {
    await this.redis.rpush(this.key('job', id, 'transitions'), JSON.stringify(transition));
  }

  async getTransitions(id: string): Promise<StateTransition[]> {
    const items = await this.redis.lrange(this.key('job', id, 'transitions'), 0, -1);
    return items.map((t) => stateTransitionSchema.parse(JSON.parse(t)));
  }

  async appendEvent(id: string, event: JobEvent): Promise<string> {
    const streamId = await this.redis.xadd(
      this.key('job', id, 'events'),
      'MAXLEN',
      '~',
      EVENT_STREAM_LENGTH,
      '*',
      'event',
      JSON.stringify(event),
    );
    if (streamId === null) throw new Error(`Redis refused an event of job ${id}`);
    return streamId;
  }

  /** Events after `afterId` (exclusive), oldest first. */
  async readEvents(id: string, afterId?: string): Promise<StoredEvent[]> {
    const start = afterId === undefined ? '-' : `(${afterId}`;
    const entries = await this.redis.xrange(this.key('job', id, 'events'), start, '+');
    return entries.map(([streamId, fields]) => ({
      id: streamId,
      event: jobEventSchema.parse(JSON.parse(fields[1] ?? 'null')),
    }));
  }

  async pushStepMetrics(id: string, metrics: StepMetrics): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.key('job', id, 'steps'), JSON.stringify(metrics))
      .ltrim(this.key('job', id, 'steps'), 0, STEP_HISTORY_LENGTH - 1)
      .exec();
  }

  /** The latest `count` step metrics, oldest first. */
  async getStepMetrics(id: string, count: number): Promise<StepMetrics[]> {
    const items = await this.redis.lrange(this.key('job', id, 'steps'), 0, count - 1);
    return items.map((t) => stepMetricsSchema.parse(JSON.parse(t))).reverse();
  }

  async close(): Promise<void> {
    await this.writes.idle();
    await this.redis.quit();
  }
}
