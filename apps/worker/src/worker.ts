import { initBackend } from '@repvgg/core/compute/backend';
import {
  CollectiveError,
  CollectiveServer,
  createTransport,
  type DataPlane,
  parseDataPlane,
  RingCollective,
} from '@repvgg/collective';
import { backoffDelay, everyMs, type Assignment__Output } from '@repvgg/contracts';
import { WORKER_SERVER_NAME } from '@repvgg/contracts/tls/tls-dir';
import type { TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { ArtifactStore } from '@repvgg/training/store/artifact.store';
import type { ThreadRequest } from '@repvgg/training/parallel/lane-plan';
import { validateEpoch } from './epoch.validation';
import { JobContext, type ComputeLanes } from './job-context';
import { jobLogger, workerLogSinks, type JobLog } from './job-log';
import { JobLogShipper } from './job-log.shipper';
import { RendezvousClient } from './rendezvous.client';
import { runShard } from './shard.runner';
import { registerWhenReachable } from './coordinator.wait';
import { agreeOnState } from './state-agreement';
import { ThreadCountError } from './worker.error';
import { WorkerMetrics, type MetricsServer } from './worker.metrics';

/** The longest wait before registering again after the coordinator forgot this worker. */
const REJOIN_CAP_MS = 10_000;
/** A long coordinator outage prints one heartbeat line per this interval, not one per beat. */
const NOTICE_INTERVAL_MS = 10_000;

export interface WorkerOptions {
  /** `host:port` of the coordinator's Rendezvous gRPC service. */
  readonly coordinator: string;
  /** Host the Collective server binds and peers dial (default 127.0.0.1). */
  readonly host?: string;
  /** Collective server port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Raw-TCP data plane port; default `port + 1`, or a free one when `port` is 0. */
  readonly dataPort?: number;
  /** Where gradient chunks travel; default REPVGG_DATA_PLANE, else 'tcp'. All members must agree. */
  readonly dataPlane?: DataPlane;
  /** tensorflow, wasm or cpu; default: REPVGG_BACKEND, else the automatic order. */
  readonly backend?: string;
  /**
   * Compute threads for its replicas: a count (1 keeps steps off the event loop; 0 computes on the
   * worker's own thread) or 'auto' (the default: 0 for small replica steps, else 1; computeThreads).
   */
  readonly threads?: ThreadRequest;
  readonly capabilities?: readonly string[];
  /** The coordinator's worker token, sent on every rendezvous call. */
  readonly token?: string;
  /**
   * Mutual TLS on the rendezvous and both collective planes (the files of `--tls-dir`): this
   * worker's certificate, valid for WORKER_SERVER_NAME, and the CA every other party's chains to.
   */
  readonly tls?: TlsPaths;
  /**
   * This machine's mount of the coordinator's artifact store (REPVGG_ARTIFACTS there): assignments
   * name checkpoints relative to it.
   */
  readonly artifacts: string;
  /** Plain lines instead of the pino process log (JSON on stderr, LOG_LEVEL). */
  readonly log?: (line: string) => void;
  /** Serves Prometheus metrics at GET /metrics on `host`:this port (0: any free one); unset: none. */
  readonly metricsPort?: number;
}

export interface RunningWorker {
  /** The id the rendezvous gave this worker (changes when it has to register again). */
  readonly id: string;
  /** `host:port` of its Collective server. */
  readonly address: string;
  /** Leaves at the next step boundary: Drain, finish the current step, stop. */
  drain(): Promise<void>;
  /** Resolves once the worker has stopped. */
  readonly stopped: Promise<void>;
}

interface Generation {
  readonly jobId: string;
  readonly number: number;
  readonly ring: RingCollective;
}

/** A worker joins the rendezvous and trains whatever its assignments say until it is drained. */
class Worker implements RunningWorker {
  id = '';
  readonly stopped: Promise<void>;
  private stop: () => void = () => undefined;
  private heartbeatMs = 1000;
  private heartbeat: NodeJS.Timeout | undefined;
  private watch: { cancel(): void } | undefined;
  private latest: Assignment__Output | undefined;
  private handled: Assignment__Output | undefined;
  private busy = false;
  private draining = false;
  private closed = false;
  private rejoining = false;
  /** Re-registrations since a heartbeat was last acknowledged (the backoff's attempt). */
  private rejoins = 0;
  private failedBeats = 0;
  private readonly beatNotice = everyMs(NOTICE_INTERVAL_MS);
  /** Aborts a rejoin that waits for the coordinator when the worker stops. */
  private readonly stopping = new AbortController();
  private ctx: JobContext | undefined;
  /** Ends the running shard's wait for a step's compute when a newer generation arrives. */
  private superseded: AbortController | undefined;
  private generation: Generation | undefined;
  private readonly shipper = new JobLogShipper({
    send: (batch) => this.client.reportLogs(batch),
    workerId: () => this.id,
    log: (line) => {
      this.log(line);
    },
  });
  /** Lines about a job also go to the job's log on the coordinator. */
  private readonly jobLog: JobLog = jobLogger((level, message, where) => {
    this.logJob(level, message, where);
  }, this.shipper);

  constructor(
    private readonly client: RendezvousClient,
    private readonly server: CollectiveServer,
    readonly address: string,
    private readonly backend: string,
    private readonly threads: ThreadRequest,
    private readonly capabilities: readonly string[],
    private readonly dataPlane: DataPlane,
    private readonly log: (line: string) => void,
    private readonly coordinator: string,
    private readonly store: ArtifactStore,
    private readonly logJob: JobLog,
    private readonly metrics: WorkerMetrics,
    private readonly metricsServer: MetricsServer | undefined,
    /** Client side of the collective planes: peers are checked for WORKER_SERVER_NAME. */
    private readonly peerTls: TlsPaths | undefined,
  ) {
    this.stopped = new Promise((resolve) => {
      this.stop = resolve;
    });
  }

  async join(): Promise<void> {
    const reply = await this.client.register({
      address: this.address,
      backend: this.backend,
      capabilities: [...this.capabilities],
    });
    this.id = reply.workerId;
    this.heartbeatMs = reply.heartbeatMs;
    this.log(`registered as ${this.id} (collective ${this.address}, backend ${this.backend})`);
    this.watch?.cancel();
    const watch = this.client.watch(
      this.id,
      (a) => {
        this.latest = a;
        const g = this.generation;
        if (g !== undefined && (g.jobId !== a.jobId || g.number !== a.generation)) {
          this.superseded?.abort();
        }
        void this.pump();
      },
      (err) => {
        // A stream this worker cancelled itself (re-registering) is not news.
        if (this.watch === watch) {
          this.rejoinLater(`watch stream ended: ${err?.message ?? 'closed'}`);
        }
      },
    );
    this.watch = watch;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      void this.beat();
    }, this.heartbeatMs);
  }

  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const g = this.generation;
    const draining = 'draining: leaving at the next step boundary';
    if (g === undefined) this.log(draining);
    else this.jobLog('info', draining, { jobId: g.jobId, generation: g.number });
    await this.client.drain(this.id).catch((err: unknown) => {
      this.log(`drain not acknowledged: ${String(err)}`);
    });
    if (!this.busy) await this.close();
  }

  private async beat(): Promise<void> {
    const a = this.latest;
    const state = this.ctx?.jobId === a?.jobId ? this.ctx?.state : undefined;
    let known: boolean;
    try {
      known = await this.client.heartbeat({
        workerId: this.id,
        jobId: a?.jobId ?? '',
        generation: a?.generation ?? 0,
        completedSteps: state?.step ?? 0,
      });
    } catch (err) {
      // The Watch stream tells a coordinator that is gone; until then a missed beat is only news.
      this.failedBeats++;
      this.metrics.heartbeat('failed');
      if (this.beatNotice()) {
        this.log(
          `heartbeat to the coordinator failed (${this.failedBeats} since the last one that did not): ${String(err)}`,
        );
      }
      return;
    }
    this.failedBeats = 0;
    this.metrics.heartbeat(known ? 'ok' : 'unknown');
    if (!known) {
      this.rejoinLater('the coordinator does not know this worker');
      return;
    }
    // Registered and known: a later rejoin starts from the shortest wait again.
    this.rejoins = 0;
  }

  /** One re-registration at a time; a draining or stopped worker does not come back. */
  private rejoinLater(reason: string): void {
    if (this.rejoining || this.closed || this.draining) return;
    this.rejoining = true;
    // Jittered and growing: a coordinator that restarts is not met by every worker at once, and
    // one that keeps forgetting this worker is not asked again at a fixed rate.
    const delay = backoffDelay({ baseMs: this.heartbeatMs, capMs: REJOIN_CAP_MS }, this.rejoins++);
    this.log(`${reason}: registering again in ${delay} ms`);
    clearInterval(this.heartbeat);
    const watch = this.watch;
    this.watch = undefined;
    watch?.cancel();
    setTimeout(() => {
      if (this.closed) return;
      registerWhenReachable(
        () => this.join(),
        this.coordinator,
        this.log,
        this.stopping.signal,
      ).then(
        () => {
          this.rejoining = false;
        },
        (err: unknown) => {
          this.rejoining = false;
          if (!this.closed) this.rejoinLater(`register failed (${String(err)})`);
        },
      );
    }, delay);
  }

  /** Handles the newest assignment, one at a time; an older one that was superseded is skipped. */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.closed && this.latest !== undefined && this.latest !== this.handled) {
        const a = this.latest;
        this.handled = a;
        try {
          await this.handle(a);
        } catch (err) {
          await this.fail(a, err);
        }
        if (this.draining) break;
      }
    } finally {
      this.busy = false;
    }
    if (this.draining) await this.close();
  }

  private async handle(a: Assignment__Output): Promise<void> {
    if (this.generation?.jobId !== a.jobId || this.generation.number !== a.generation) {
      await this.leaveGeneration();
    }
    if (a.jobId === '') return;
    // A compute thread that died refuses every later step: reopen the job (its state comes from
    // the other members or the checkpoint, as for a worker that joins).
    if (this.ctx?.jobId !== a.jobId || this.ctx.replicas.broken) {
      const old = this.ctx;
      this.ctx = undefined;
      await old?.dispose();
      const lanes: ComputeLanes = { threads: this.threads, backend: this.backend };
      this.ctx = await JobContext.open(a.jobId, a.jobSpecJson, lanes, this.store);
    }
    const ctx = this.ctx;
    this.shipper.trackDecodeFailures(a.jobId, ctx.loader.failures);
    if (a.shard) {
      const { epoch, stepsPerEpoch, resumeStep } = a.shard;
      const ring = await this.ringOf(ctx, a, epoch * stepsPerEpoch + resumeStep);
      const state = ctx.state;
      if (state === undefined) throw new RangeError('the generation started without a state');
      const superseded = new AbortController();
      this.superseded = superseded;
      try {
        await runShard(
          {
            ctx,
            ring,
            assignment: a,
            shard: a.shard,
            workerId: this.id,
            client: this.client,
            log: this.jobLog,
            metrics: this.metrics,
            superseded: superseded.signal,
          },
          state,
        );
      } finally {
        this.superseded = undefined;
      }
    } else if (a.validate) {
      // Every member takes part: a generation re-formed during validation may be led by a member
      // that never held the epoch's final state (the checkpoint is the previous epoch's).
      await this.ringOf(ctx, a, (a.validate.epoch + 1) * ctx.stepsPerEpoch);
      if (a.leaderId === this.id) {
        await validateEpoch(ctx, a, a.validate.epoch, this.id, this.client, this.jobLog);
      }
    }
  }

  /** The ring of the generation `a` belongs to, entered (its state agreed at `expected`) once. */
  private async ringOf(
    ctx: JobContext,
    a: Assignment__Output,
    expected: number,
  ): Promise<RingCollective> {
    return this.generation?.ring ?? (await this.enterGeneration(ctx, a, expected));
  }

  /** Builds the generation's ring and brings every member to the same state (`agreeOnState`). */
  private async enterGeneration(
    ctx: JobContext,
    a: Assignment__Output,
    expected: number,
  ): Promise<RingCollective> {
    const members = [...a.members].sort((x, y) => x.rank - y.rank);
    const transport = createTransport({
      dataPlane: this.dataPlane,
      server: this.server,
      rank: a.rank,
      peers: members.map((m) => m.address),
      identity: { job: a.jobId, generation: a.generation, token: a.token },
      ...(this.peerTls === undefined ? {} : { tls: this.peerTls }),
    });
    const ring = new RingCollective(transport, {
      mode: ctx.spec.mode,
      fp16Wire: ctx.spec.wire === 'fp16',
    });
    this.generation = { jobId: a.jobId, number: a.generation, ring };
    this.metrics.generationChanged();
    await agreeOnState(ring, ctx, a.rank, expected, a.checkpoint);
    this.jobLog(
      'info',
      `generation ${a.generation} of job ${a.jobId}: rank ${a.rank} of ${ring.worldSize}, state at step ${String(ctx.state?.step)} (expected ${expected})`,
      { jobId: a.jobId, generation: a.generation, rank: a.rank },
    );
    return ring;
  }

  private async leaveGeneration(): Promise<void> {
    const g = this.generation;
    this.generation = undefined;
    await g?.ring.close();
  }

  /** A collective failure names the peer held responsible; the generation ends either way. */
  private async fail(a: Assignment__Output, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const where = { jobId: a.jobId, generation: a.generation, rank: a.rank };
    this.jobLog('error', `generation ${a.generation} of job ${a.jobId} failed: ${message}`, where);
    const failed =
      err instanceof CollectiveError
        ? (a.members.find((m) => m.rank === err.ranks[0])?.workerId ?? '')
        : '';
    await this.leaveGeneration().catch(() => undefined);
    await this.client
      .reportFailure({
        workerId: this.id,
        jobId: a.jobId,
        generation: a.generation,
        failedWorkerId: failed,
        message,
      })
      .catch((e: unknown) => {
        this.jobLog('warn', `failure report not delivered: ${String(e)}`, where);
      });
  }

  /**
   * Releases everything and resolves `stopped`; never rejects (it runs unawaited from the Watch
   * callback's pump): a part that fails to let go is logged and the others are still released.
   */
  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort(new Error('worker stopped'));
    clearInterval(this.heartbeat);
    this.watch?.cancel();
    const parts: [string, () => Promise<void>][] = [
      ['its generation', () => this.leaveGeneration()],
      ['its job', async () => this.ctx?.dispose()],
      ['its collective server', () => this.server.shutdown()],
      ['its job log lines', () => this.shipper.stop()],
      ['its metrics server', async () => this.metricsServer?.close()],
    ];
    for (const [what, release] of parts) {
      await release().catch((err: unknown) => {
        this.log(`stopping: could not release ${what}: ${String(err)}`);
      });
    }
    this.client.close();
    this.log('stopped');
    this.stop();
  }
}

/**
 * Starts a training worker: activates the compute backend, opens its Collective server, registers
 * with the coordinator and trains its assignments until `drain()`.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const sinks = workerLogSinks(opts.log);
  const log = sinks.line;
  const dataPlane = opts.dataPlane ?? parseDataPlane(process.env.REPVGG_DATA_PLANE);
  const threads = opts.threads ?? 'auto';
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 0)) {
    throw new ThreadCountError(threads);
  }
  const backend = await initBackend(opts.backend, { log });
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const dataPort = opts.dataPort ?? (port === 0 ? 0 : port + 1);
  const server = await CollectiveServer.start(`${host}:${port}`, opts.tls, { dataPort });
  const metrics = new WorkerMetrics();
  const metricsServer =
    opts.metricsPort === undefined
      ? undefined
      : await metrics.serve(host, opts.metricsPort).catch(async (err: unknown) => {
          await server.shutdown();
          throw err;
        });
  if (metricsServer !== undefined) log(`metrics at http://${host}:${metricsServer.port}/metrics`);
  const client = new RendezvousClient(opts.coordinator, opts.token, opts.tls);
  const worker = new Worker(
    client,
    server,
    `${host}:${server.port}`,
    backend.name,
    threads,
    opts.capabilities ?? [],
    dataPlane,
    log,
    opts.coordinator,
    new ArtifactStore(opts.artifacts),
    sinks.job,
    metrics,
    metricsServer,
    opts.tls && { ...opts.tls, serverName: WORKER_SERVER_NAME },
  );
  try {
    await registerWhenReachable(() => worker.join(), opts.coordinator, log);
  } catch (err) {
    await server.shutdown();
    await metricsServer?.close();
    client.close();
    throw err;
  }
  return worker;
}
