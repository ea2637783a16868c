import { Redis, type ChainableCommander } from 'ioredis';
import { Observable, Subject } from 'rxjs';
import {
  JOB_STATES,
  jobEventSchema,
  jobRecordSchema,
  stateTransitionSchema,
  stepMetricsSchema,
  type JobEvent,
  type JobRecord,
  type JobState,
  type StateTransition,
  type StepMetrics,
} from '@repvgg/contracts';
import { KeyedChain } from '../common/keyed-chain';
import type { JobCursor } from '../jobs/job-cursor';
import { answersPing } from './redis-ping';

export interface StoredEvent {
  readonly id: string;
  readonly event: JobEvent;
}

/** An event of a job as stored in its stream. */
export interface StoredJobEvent extends StoredEvent {
  readonly jobId: string;
}

/** A state change as written: the new record, its transition and its stored `state` event. */
export interface StoredTransition {
  readonly record: JobRecord;
  readonly transition: StateTransition;
  readonly event: StoredEvent;
}

/** What a transition's `mutate` returns: the record in its new state and how it got there. */
export interface TransitionChange {
  readonly record: JobRecord;
  readonly transition: StateTransition;
}

export interface StoredJobPage {
  readonly jobs: JobRecord[];
  /** The last listed job's place, when more follow. */
  readonly next: JobCursor | null;
}

const EVENT_STREAM_LENGTH = 10_000;
const STEP_HISTORY_LENGTH = 1_000;

/**
 * The one Redis store: job records, their transition log, event stream and step metrics.
 * Records are JSON documents; every write of one job goes through `update`, `transition` or
 * `commitStep`, serialized in process (the coordinator is a single instance). Sorted sets by creation time index
 * them: `jobs` all of them, `jobs:<state>` those in each state (moved with every state change), so
 * listing a page or a state reads only that page's records. A state change (`createJob`,
 * `transition`) writes the record, its index entries, the transition log and the `state` event in
 * one MULTI/EXEC: a crash or a refused write leaves all of them or none, so an SSE client that can
 * read a terminal state also gets its terminal event.
 */
export class RedisStoreRepository {
  private readonly redis: Redis;
  private readonly writes = new KeyedChain();
  private readonly stored = new Subject<StoredJobEvent>();
  /**
   * Every event once stored, of every job. A job's events come in the order of its stream: each is
   * emitted before the job's next write starts, so a live reader that skips ids it has passed never
   * skips one it has not seen.
   */
  readonly stored$: Observable<StoredJobEvent> = this.stored.asObservable();

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

  private stateKey(state: JobState): string {
    return this.key('jobs', state);
  }

  /** Stores a new job with its first transition and `state` event, all or nothing. */
  createJob(record: JobRecord, transition: StateTransition): Promise<StoredEvent> {
    return this.writes.run(record.id, () => {
      const at = Date.parse(record.createdAt);
      const multi = this.redis
        .multi()
        .set(this.key('job', record.id), JSON.stringify(record))
        .zadd(this.key('jobs'), at, record.id)
        .zadd(this.stateKey(record.state), at, record.id)
        .rpush(this.key('job', record.id, 'transitions'), JSON.stringify(transition));
      return this.execWithEvent(multi, record.id, { type: 'state', jobId: record.id, transition });
    });
  }

  /**
   * Fills the per-state sets from the records once per key prefix: records written before the
   * sets existed are listed by state too.
   */
  async indexStates(): Promise<void> {
    const marker = this.key('jobs', 'state-index');
    if ((await this.redis.exists(marker)) === 1) return;
    const all = await this.redis.zrange(this.key('jobs'), 0, -1, 'WITHSCORES');
    for (let i = 0; i < all.length; i += 1000) {
      const ids = all.slice(i, i + 1000).filter((_, k) => k % 2 === 0);
      const records = await this.getJobs(ids);
      const multi = this.redis.multi();
      for (const r of records) multi.zadd(this.stateKey(r.state), Date.parse(r.createdAt), r.id);
      await multi.exec();
    }
    await this.redis.set(marker, '1');
  }

  /**
   * Jobs in creation order (ties by id, the sorted set's order) after `after`, `limit` at most,
   * all of them or those in `state`.
   */
  async pageJobs(
    state: JobState | undefined,
    limit: number,
    after: JobCursor | undefined,
  ): Promise<StoredJobPage> {
    const set = state === undefined ? this.key('jobs') : this.stateKey(state);
    const want = limit + 1;
    const found: JobCursor[] = [];
    if (after !== undefined) {
      const ties = await this.redis.zrangebyscore(set, after.at, after.at);
      for (const id of ties) if (id > after.id) found.push({ at: after.at, id });
    }
    if (found.length < want) {
      const min = after === undefined ? '-inf' : `(${after.at}`;
      const rest = await this.redis.zrangebyscore(
        set,
        min,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        want - found.length,
      );
      for (let i = 0; i + 1 < rest.length; i += 2) {
        found.push({ id: rest[i] ?? '', at: Number(rest[i + 1]) });
      }
    }
    const page = found.slice(0, limit);
    const jobs = await this.getJobs(page.map((c) => c.id));
    return { jobs, next: found.length > limit ? (page.at(-1) ?? null) : null };
  }

  /** Jobs in any of `states`, oldest first. */
  async jobsIn(states: readonly JobState[]): Promise<JobRecord[]> {
    const members = await Promise.all(
      states.map((s) => this.redis.zrange(this.stateKey(s), 0, -1, 'WITHSCORES')),
    );
    const entries = members.flatMap((m) =>
      m.flatMap((id, i) => (i % 2 === 0 ? [{ id, at: Number(m[i + 1]) }] : [])),
    );
    entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    return this.getJobs(entries.map((e) => e.id));
  }

  /** How many jobs are in each state. */
  async countByState(): Promise<Map<JobState, number>> {
    const counts = await Promise.all(JOB_STATES.map((s) => this.redis.zcard(this.stateKey(s))));
    return new Map(JOB_STATES.map((s, i) => [s, counts[i] ?? 0]));
  }

  private async getJobs(ids: readonly string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => this.key('job', id)));
    // a job deleted since its id was read is left out
    return texts
      .filter((t): t is string => t !== null)
      .map((t) => jobRecordSchema.parse(JSON.parse(t)));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const text = await this.redis.get(this.key('job', id));
    return text === null ? null : jobRecordSchema.parse(JSON.parse(text));
  }

  /** Read-modify-write of one job; `mutate` returns the new record or null to leave it unchanged. */
  update(id: string, mutate: (record: JobRecord) => JobRecord | null): Promise<JobRecord | null> {
    return this.withRecord(id, async (current) => {
      const updated = mutate(current);
      if (updated === null) return current;
      await execAll(this.recordWrite(current, updated), `job ${id}`);
      return updated;
    });
  }

  /**
   * `write` with the job's current record, serialized with every other write of that job (the
   * read-modify-write of `update`, `transition` and `commitStep`); null when there is no such job.
   */
  private withRecord<T>(
    id: string,
    write: (current: JobRecord) => Promise<T | null>,
  ): Promise<T | null> {
    return this.writes.run(id, async () => {
      const current = await this.getJob(id);
      return current === null ? null : write(current);
    });
  }

  /**
   * Read-modify-write of one job that changes its state: `mutate` returns the record in its new
   * state and the transition, or null to change nothing (then this resolves null). The record, its
   * move between the per-state sets, the transition log entry and the `state` event are one
   * MULTI/EXEC.
   */
  transition(
    id: string,
    mutate: (record: JobRecord) => TransitionChange | null,
  ): Promise<StoredTransition | null> {
    return this.withRecord(id, async (current) => {
      const change = mutate(current);
      if (change === null) return null;
      const multi = this.recordWrite(current, change.record).rpush(
        this.key('job', id, 'transitions'),
        JSON.stringify(change.transition),
      );
      const event = await this.execWithEvent(multi, id, {
        type: 'state',
        jobId: id,
        transition: change.transition,
      });
      return { ...change, event };
    });
  }

  /** The writes of a record replacing `current`: the document, and its state set when it moves. */
  private recordWrite(current: JobRecord, updated: JobRecord): ChainableCommander {
    const id = current.id;
    const multi = this.redis.multi().set(this.key('job', id), JSON.stringify(updated));
    if (updated.state !== current.state) {
      multi
        .zrem(this.stateKey(current.state), id)
        .zadd(this.stateKey(updated.state), Date.parse(updated.createdAt), id);
    }
    return multi;
  }

  /**
   * Runs `multi` with `event` appended to the job's stream as its last command, all or nothing,
   * then emits the event on `stored$` (callers hold the job's write chain).
   */
  private async execWithEvent(
    multi: ChainableCommander,
    id: string,
    event: JobEvent,
  ): Promise<StoredEvent> {
    const replies = await execAll(this.addEvent(multi, id, event), `job ${id}`);
    const streamId = replies.at(-1);
    if (typeof streamId !== 'string') throw new Error(`Redis refused an event of job ${id}`);
    const stored = { id: streamId, event };
    this.stored.next({ jobId: id, ...stored });
    return stored;
  }

  private addEvent(multi: ChainableCommander, id: string, event: JobEvent): ChainableCommander {
    return multi.xadd(
      this.key('job', id, 'events'),
      'MAXLEN',
      '~',
      EVENT_STREAM_LENGTH,
      '*',
      'event',
      JSON.stringify(event),
    );
  }

  /** Removes the job's record, its place in every index, its transitions, events and steps. */
  async deleteJob(id: string): Promise<void> {
    await this.writes.run(id, async () => {
      const multi = this.redis
        .multi()
        .del(
          this.key('job', id),
          this.key('job', id, 'transitions'),
          this.key('job', id, 'events'),
          this.key('job', id, 'steps'),
        )
        .zrem(this.key('jobs'), id);
      for (const state of JOB_STATES) multi.zrem(this.stateKey(state), id);
      await execAll(multi, `job ${id}`);
    });
  }

  async getTransitions(id: string): Promise<StateTransition[]> {
    const items = await this.redis.lrange(this.key('job', id, 'transitions'), 0, -1);
    return items.map((t) => stateTransitionSchema.parse(JSON.parse(t)));
  }

  /** Appends an event that comes with no state change (steps, generations, epochs, decodes). */
  appendEvent(id: string, event: JobEvent): Promise<StoredEvent> {
    return this.writes.run(id, () => this.execWithEvent(this.redis.multi(), id, event));
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

  /**
   * Read-modify-write of one job for a committed step: when `mutate` returns the new record, the
   * record, the step's metrics (a capped list) and its `step` event are one MULTI/EXEC, so a step is
   * stored with its metrics and event or not at all, in one round trip after the read. Resolves the
   * new record, or null when `mutate` returns null (then nothing is written).
   */
  commitStep(
    id: string,
    mutate: (record: JobRecord) => JobRecord | null,
    metrics: StepMetrics,
  ): Promise<JobRecord | null> {
    return this.withRecord(id, async (current) => {
      const updated = mutate(current);
      if (updated === null) return null;
      const multi = this.recordWrite(current, updated)
        .lpush(this.key('job', id, 'steps'), JSON.stringify(metrics))
        .ltrim(this.key('job', id, 'steps'), 0, STEP_HISTORY_LENGTH - 1);
      await this.execWithEvent(multi, id, { type: 'step', jobId: id, metrics });
      return updated;
    });
  }

  /** The latest `count` step metrics, oldest first. */
  async getStepMetrics(id: string, count: number): Promise<StepMetrics[]> {
    const items = await this.redis.lrange(this.key('job', id, 'steps'), 0, count - 1);
    return items.map((t) => stepMetricsSchema.parse(JSON.parse(t))).reverse();
  }

  async close(): Promise<void> {
    await this.writes.idle();
    this.stored.complete();
    await this.redis.quit();
  }
}

/**
 * EXEC, every reply checked: Redis runs a transaction's queued commands even when one of them fails
 * at run time (e.g. WRONGTYPE), so a failure is thrown, never ignored. A command refused while
 * queuing (syntax, ACL) aborts the whole transaction: EXEC rejects and nothing is written.
 */
async function execAll(multi: ChainableCommander, what: string): Promise<unknown[]> {
  const replies = await multi.exec();
  if (replies === null) throw new Error(`Redis discarded a write of ${what}`);
  const failed = replies.find(([err]) => err !== null);
  if (failed?.[0] != null)
    throw new Error(`Redis refused a write of ${what}: ${failed[0].message}`);
  return replies.map(([, reply]) => reply);
}
