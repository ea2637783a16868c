import { z } from 'zod';
import {
  apiErrorSchema,
  artifactInfoSchema,
  JOB_PAGE_LIMIT_MAX,
  jobPageSchema,
  jobRecordSchema,
  jobViewSchema,
  workerInfoSchema,
  type ArtifactInfoView,
  type JobPage,
  type JobRecord,
  type JobSpecInput,
  type JobState,
  type JobView,
  type WorkerInfo,
} from '@repvgg/contracts';
import {
  CoordinatorFailedError,
  CoordinatorRefusedError,
  CoordinatorUnreachableError,
  responseError,
} from './client.errors';
import type { Connection } from './connection';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Until the coordinator pages `GET /v1/jobs`, it answers with a bare array of records. */
const jobListSchema = z.union([jobPageSchema, z.array(jobRecordSchema)]);

interface RequestOptions {
  readonly action: string;
  readonly jobId?: string;
  readonly method?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

/** fetch's own message is always "fetch failed": the cause says why (ECONNREFUSED, ENOTFOUND, …). */
function causeOf(err: unknown): string {
  const cause =
    err instanceof Error
      ? (err.cause as { code?: unknown; message?: unknown } | undefined)
      : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The coordinator's REST API (`/v1`), every answer checked against its contract schema. */
export class CoordinatorClient {
  constructor(readonly connection: Connection) {}

  get url(): string {
    return this.connection.url;
  }

  /** Sends a request; a non-2xx answer becomes the one-line error for it. */
  async request(path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.connection.token !== undefined) {
      headers.Authorization = `Bearer ${this.connection.token}`;
    }
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted === true) throw err;
      throw new CoordinatorUnreachableError(this.url, causeOf(err));
    }
    if (res.ok || res.status === 304) return res;
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const body = apiErrorSchema.safeParse(parsed);
    throw responseError(res.status, body.success ? body.data : undefined, {
      url: this.url,
      action: opts.action,
      jobId: opts.jobId,
      tokenSource: this.connection.tokenSource,
    });
  }

  private async json<S extends z.ZodType>(
    schema: S,
    path: string,
    opts: RequestOptions,
  ): Promise<z.output<S>> {
    const res = await this.request(path, opts);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new CoordinatorFailedError(
        this.url,
        `its answer to ${opts.action} does not match the API contract (${parsed.error.issues[0]?.path.join('.') ?? ''}); is it the same version as this client?`,
      );
    }
    return parsed.data;
  }

  submit(spec: JobSpecInput): Promise<JobRecord> {
    return this.json(jobRecordSchema, '/v1/jobs', { action: 'submit', method: 'POST', body: spec });
  }

  job(id: string): Promise<JobView> {
    return this.json(jobViewSchema, `/v1/jobs/${id}`, { action: 'status', jobId: id });
  }

  /** One page of jobs, oldest first. */
  async jobPage(
    query: { state?: JobState; limit?: number; cursor?: string } = {},
  ): Promise<JobPage> {
    const params = new URLSearchParams();
    if (query.state !== undefined) params.set('state', query.state);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    const qs = params.size === 0 ? '' : `?${params.toString()}`;
    const page = await this.json(jobListSchema, `/v1/jobs${qs}`, { action: 'list' });
    if (!Array.isArray(page)) return page;
    // An unpaged coordinator ignores the query: filter and cut here.
    const jobs = page.filter((j) => query.state === undefined || j.state === query.state);
    return { jobs: jobs.slice(0, query.limit ?? jobs.length), nextCursor: null };
  }

  /** Jobs oldest first, following nextCursor until `limit` (default: all). */
  async jobs(
    query: { state?: JobState; limit?: number; pageSize?: number } = {},
  ): Promise<JobRecord[]> {
    const pageSize = query.pageSize ?? JOB_PAGE_LIMIT_MAX;
    const out: JobRecord[] = [];
    let cursor: string | undefined;
    do {
      const left = query.limit === undefined ? pageSize : query.limit - out.length;
      const page = await this.jobPage({
        state: query.state,
        limit: Math.min(left, pageSize),
        cursor,
      });
      out.push(...page.jobs);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && (query.limit === undefined || out.length < query.limit));
    return out;
  }

  /** A full job id for `ref`: the id itself, or the one job whose id starts with it. */
  async resolveJobId(ref: string): Promise<string> {
    if (UUID.test(ref)) return ref.toLowerCase();
    const prefix = ref.toLowerCase();
    if (!/^[0-9a-f-]+$/.test(prefix)) {
      throw new CoordinatorRefusedError(
        404,
        `"${ref}" is not a job id`,
        'pass a job id or a unique prefix of one (`repvgg jobs` lists them)',
      );
    }
    const matches = (await this.jobs()).filter((j) => j.id.startsWith(prefix));
    const only = matches.at(0);
    if (only === undefined) {
      throw new CoordinatorRefusedError(
        404,
        `the coordinator at ${this.url} has no job whose id starts with ${ref}`,
        'list the jobs with `repvgg jobs`',
      );
    }
    if (matches.length > 1) {
      throw new CoordinatorRefusedError(
        400,
        `${ref} matches ${matches.length} jobs (${matches.map((j) => j.id.slice(0, 13)).join(', ')})`,
        'give more characters of the id',
      );
    }
    return only.id;
  }

  cancel(id: string): Promise<JobRecord> {
    return this.json(jobRecordSchema, `/v1/jobs/${id}/cancel`, {
      action: 'cancel',
      method: 'POST',
      jobId: id,
    });
  }

  resume(id: string): Promise<JobRecord> {
    return this.json(jobRecordSchema, `/v1/jobs/${id}/resume`, {
      action: 'resume',
      method: 'POST',
      jobId: id,
    });
  }

  async delete(id: string): Promise<void> {
    await this.request(`/v1/jobs/${id}`, { action: 'delete', method: 'DELETE', jobId: id });
  }

  artifacts(id: string): Promise<ArtifactInfoView[]> {
    return this.json(z.array(artifactInfoSchema), `/v1/jobs/${id}/artifacts`, {
      action: 'download',
      jobId: id,
    });
  }

  /** An artifact's body; `headers` may ask for a range (Range + If-Range). */
  artifact(
    id: string,
    name: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Response> {
    const path = name.split('/').map(encodeURIComponent).join('/');
    return this.request(`/v1/jobs/${id}/artifacts/${path}`, {
      action: 'download',
      jobId: id,
      headers,
      signal,
    });
  }

  workers(): Promise<WorkerInfo[]> {
    return this.json(z.array(workerInfoSchema), '/v1/workers', { action: 'list workers' });
  }

  /** A server-sent event stream of the job (`events` or `logs[?follow=true]`). */
  async eventStream(
    id: string,
    path: string,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request(`/v1/jobs/${id}/${path}`, {
      action: path.startsWith('logs') ? 'logs' : 'watch',
      jobId: id,
      headers: {
        Accept: 'text/event-stream',
        ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }),
      },
      signal,
    });
    if (res.body === null) throw new CoordinatorFailedError(this.url, 'an empty event stream');
    return res.body;
  }
}
