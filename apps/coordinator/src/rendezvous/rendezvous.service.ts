import { randomBytes, randomUUID } from 'node:crypto';
import type {
  Assignment,
  EpochReport__Output,
  FailureReport__Output,
  HeartbeatRequest__Output,
  LogBatch__Output,
  RegisterRequest__Output,
  StepReport__Output,
  WorkerInfo,
} from '@repvgg/contracts';
import { allocateWorkers } from './allocation';
import { IDLE_ASSIGNMENT, buildAssignment } from './assignment';
import { FailureBudget } from './failure-budget';
import { formGeneration, type Generation } from './generation';
import type { JobWork, RendezvousJob } from './job-work';
import type { RendezvousHandler } from './rendezvous-events';
import type { WorkerEntry } from './worker-entry';

/** Where the log lines and decode failures workers report go. */
export interface LogSink {
  /** False: the job is unknown (deleted); the worker drops the batch. */
  onLogs(workerId: string, batch: LogBatch__Output): Promise<boolean>;
}

export interface RendezvousOptions {
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Milliseconds since the epoch; tests pass a manual clock. */
  readonly clock?: () => number;
}

interface JobEntry {
  readonly job: RendezvousJob;
  generation: Generation | null;
  work: JobWork | null;
  /** A join or drain waiting for the next step boundary. */
  pending: string | null;
  readonly budget: FailureBudget;
  /** The budget is spent and the job is being failed: no more generations. */
  gaveUp: boolean;
}

/**
 * Membership of running jobs: registrations, heartbeats, generations and what each worker must do.
 * A failure (missed heartbeat, broken Watch stream, reported peer) re-forms the job's generation at
 * once; a join or a drain while a shard trains waits for the leader's next committed step.
 */
export class RendezvousService {
  private readonly workers = new Map<string, WorkerEntry>();
  private readonly jobs = new Map<string, JobEntry>();
  private sweeper: NodeJS.Timeout | null = null;
  private logSink: LogSink | null = null;

  constructor(
    readonly opts: RendezvousOptions,
    private readonly onError: (err: unknown) => void,
    /** Where steps, epochs, generations and give-ups go (`RendezvousEvents` in the app). */
    private readonly events: RendezvousHandler,
  ) {}

  /** The job logs receive workers' log batches (set once, at start). */
  attachLogs(sink: LogSink): void {
    this.logSink = sink;
  }

  start(): void {
    this.sweeper = setInterval(
      () => {
        this.sweep(this.now());
      },
      Math.max(25, Math.floor(this.opts.heartbeatTimeoutMs / 4)),
    );
  }

  stop(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  register(req: RegisterRequest__Output): WorkerEntry {
    const entry: WorkerEntry = {
      id: randomUUID(),
      address: req.address,
      backend: req.backend,
      capabilities: [...req.capabilities],
      lastHeartbeat: this.now(),
      completedSteps: 0,
      draining: false,
      send: null,
      jobId: null,
      served: new Set(),
    };
    this.workers.set(entry.id, entry);
    this.reconcile('worker joined', new Set());
    return entry;
  }

  heartbeat(req: HeartbeatRequest__Output): boolean {
    const w = this.workers.get(req.workerId);
    if (w === undefined) return false;
    w.lastHeartbeat = this.now();
    if (req.jobId === w.jobId) w.completedSteps = Math.max(w.completedSteps, req.completedSteps);
    return true;
  }

  /** Attaches a worker's Watch stream; false when the worker is unknown. */
  watch(workerId: string, send: (a: Assignment) => void): boolean {
    const w = this.workers.get(workerId);
    if (w === undefined) return false;
    w.send = send;
    send(this.assignmentOf(w));
    return true;
  }

  /** The Watch stream ended: the worker is gone. */
  disconnect(workerId: string, send: (a: Assignment) => void): void {
    const w = this.workers.get(workerId);
    if (w?.send !== send) return;
    this.remove([workerId], 'worker disconnected');
  }

  drain(workerId: string): boolean {
    const w = this.workers.get(workerId);
    if (w === undefined) return false;
    w.draining = true;
    this.reconcile('worker draining', new Set());
    if (w.jobId === null) w.send?.(IDLE_ASSIGNMENT);
    return true;
  }

  reportFailure(req: FailureReport__Output): boolean {
    const entry = this.jobs.get(req.jobId);
    const gen = entry?.generation;
    if (gen?.number !== req.generation) return false;
    if (!gen.members.some((m) => m.workerId === req.workerId)) return false;
    const verdict = entry?.budget.failed(req.message) ?? null;
    if (entry !== undefined && verdict !== null) {
      this.giveUp(entry, verdict);
      return true;
    }
    const failed = gen.members.some((m) => m.workerId === req.failedWorkerId)
      ? [req.failedWorkerId]
      : [];
    const reason = `peer failure reported: ${req.message}`;
    this.remove(failed, reason, new Set([req.jobId]));
    // No peer to blame (the reporter's own error): the same members try again in a new generation.
    if (entry !== undefined && entry.generation === gen) {
      this.nextGeneration(
        entry,
        gen.members.map((m) => m.workerId),
        reason,
      );
    }
    return true;
  }

  /** Records the leader's committed step; false tells it to stop (stale generation or a change is due). */
  async reportStep(req: StepReport__Output): Promise<boolean> {
    const entry = this.jobs.get(req.jobId);
    if (!this.isLeader(entry, req.workerId, req.generation) || entry?.work?.kind !== 'shard') {
      return false;
    }
    const completed = req.epoch * entry.work.stepsPerEpoch + req.step + 1;
    // A later generation of this shard starts after the last committed step.
    if (req.epoch === entry.work.epoch && req.step + 1 > entry.work.resumeStep) {
      entry.work = { ...entry.work, resumeStep: req.step + 1 };
    }
    for (const m of entry.generation?.members ?? []) {
      const w = this.workers.get(m.workerId);
      if (w !== undefined) w.completedSteps = Math.max(w.completedSteps, completed);
    }
    entry.budget.progressed(this.now());
    await this.events.onStep(req.jobId, req);
    if (entry.pending !== null && this.jobs.get(req.jobId) === entry) {
      this.reconcile(entry.pending, new Set([req.jobId]));
      return false;
    }
    return true;
  }

  /**
   * A worker's log batch, accepted only for a job one of its generations served (a failure line
   * may arrive after the worker left the job); false: refused.
   */
  async reportLogs(req: LogBatch__Output): Promise<boolean> {
    const served = this.workers.get(req.workerId)?.served.has(req.jobId) ?? false;
    if (!served || this.logSink === null) return false;
    return this.logSink.onLogs(req.workerId, req);
  }

  async reportEpoch(req: EpochReport__Output): Promise<boolean> {
    const entry = this.jobs.get(req.jobId);
    if (!this.isLeader(entry, req.workerId, req.generation)) return false;
    entry?.budget.progressed(this.now());
    await this.events.onEpoch(req.jobId, req);
    return true;
  }

  addJob(job: RendezvousJob): void {
    if (this.jobs.has(job.id)) return;
    this.jobs.set(job.id, {
      job,
      generation: null,
      work: null,
      pending: null,
      budget: new FailureBudget(job.failureBudget),
      gaveUp: false,
    });
    this.reconcile('job started', new Set());
  }

  removeJob(jobId: string): void {
    const entry = this.jobs.get(jobId);
    if (entry === undefined) return;
    this.jobs.delete(jobId);
    this.release(entry.generation?.members.map((m) => m.workerId) ?? [], jobId);
    this.reconcile('job stopped', new Set());
  }

  /** Sets the job's current work (a boundary: a pending membership change applies now). */
  setWork(jobId: string, work: JobWork | null): void {
    const entry = this.jobs.get(jobId);
    if (entry === undefined) return;
    entry.work = work;
    if (entry.pending !== null) this.reconcile(entry.pending, new Set([jobId]));
    this.broadcast(entry);
  }

  /**
   * The checkpoint later generations start from when none of their members holds the state; `name`
   * is the folder as the leader reports it, relative to the job's artifact folder.
   */
  setCheckpoint(jobId: string, name: string): void {
    const entry = this.jobs.get(jobId);
    if (entry !== undefined) entry.job.checkpoint = `${entry.job.artifactDir}/${name}`;
  }

  generationOf(jobId: string): Generation | null {
    return this.jobs.get(jobId)?.generation ?? null;
  }

  listWorkers(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => {
      const gen = w.jobId === null ? null : this.generationOf(w.jobId);
      return {
        id: w.id,
        address: w.address,
        backend: w.backend,
        capabilities: [...w.capabilities],
        jobId: w.jobId,
        generation: gen?.number ?? null,
        rank: gen?.members.find((m) => m.workerId === w.id)?.rank ?? null,
        draining: w.draining,
        lastHeartbeat: new Date(w.lastHeartbeat).toISOString(),
      };
    });
  }

  /**
   * Drops workers silent for longer than the heartbeat timeout; gives up jobs that trained without
   * progress for longer than their budget allows.
   */
  sweep(now: number): void {
    const dead = [...this.workers.values()]
      .filter((w) => now - w.lastHeartbeat > this.opts.heartbeatTimeoutMs)
      .map((w) => w.id);
    if (dead.length > 0) this.remove(dead, 'missed heartbeat');
    for (const entry of this.jobs.values()) {
      const training = entry.generation !== null && entry.work?.kind === 'shard';
      const verdict = entry.budget.check(now, training);
      if (verdict !== null) this.giveUp(entry, verdict);
    }
  }

  /** Once per job: it is failed with `reason` and removed (its workers go idle then). */
  private giveUp(entry: JobEntry, reason: string): void {
    if (entry.gaveUp) return;
    entry.gaveUp = true;
    this.events.onGiveUp(entry.job.id, reason).catch(this.onError);
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  private isLeader(entry: JobEntry | undefined, workerId: string, generation: number): boolean {
    const gen = entry?.generation;
    return gen?.number === generation && gen.leaderId === workerId;
  }

  private remove(ids: readonly string[], reason: string, forced = new Set<string>()): void {
    for (const id of ids) {
      const w = this.workers.get(id);
      if (w === undefined) continue;
      if (w.jobId !== null) forced.add(w.jobId);
      this.workers.delete(id);
    }
    this.reconcile(reason, forced);
  }

  /**
   * Re-shares workers among jobs. A job whose membership must change gets its next generation now
   * when it is between works, when it lost a member or when forced; otherwise the change waits for
   * its next step boundary. Workers still serving a job that is mid-shard are not moved yet.
   */
  private reconcile(reason: string, forced: ReadonlySet<string>): void {
    for (let pass = 0; pass < 3; pass++) {
      const available = [...this.workers.values()].filter((w) => !w.draining).map((w) => w.id);
      const current = new Map<string, string>();
      for (const w of this.workers.values()) if (w.jobId !== null) current.set(w.id, w.jobId);
      const desired = allocateWorkers(
        available,
        current,
        [...this.jobs.values()].map(({ job }) => job),
      );
      let changed = false;
      for (const entry of this.jobs.values()) {
        const want = (desired.get(entry.job.id) ?? []).filter((id) => {
          const holder = this.workers.get(id)?.jobId ?? null;
          return holder === null || holder === entry.job.id || !this.isBusy(holder);
        });
        if (entry.gaveUp) continue;
        const have = entry.generation?.members.map((m) => m.workerId) ?? [];
        const lost = have.some((id) => !this.workers.has(id));
        if (!lost && sameMembers(want, have)) continue;
        if (!lost && !forced.has(entry.job.id) && this.isBusy(entry.job.id)) {
          entry.pending ??= reason;
          continue;
        }
        this.nextGeneration(entry, want, reason);
        changed = true;
      }
      if (!changed) return;
    }
  }

  private isBusy(jobId: string): boolean {
    const entry = this.jobs.get(jobId);
    return entry?.work !== null && entry?.work !== undefined && entry.generation !== null;
  }

  private nextGeneration(entry: JobEntry, memberIds: readonly string[], reason: string): void {
    const previous = entry.generation?.members.map((m) => m.workerId) ?? [];
    entry.job.generation += 1;
    entry.pending = null;
    const candidates = memberIds.flatMap((id) => {
      const w = this.workers.get(id);
      return w === undefined
        ? []
        : [{ workerId: w.id, address: w.address, completedSteps: w.completedSteps }];
    });
    this.release(
      previous.filter((id) => !memberIds.includes(id)),
      entry.job.id,
    );
    for (const id of memberIds) {
      const w = this.workers.get(id);
      if (w === undefined) continue;
      w.jobId = entry.job.id;
      w.served.add(entry.job.id);
    }
    entry.generation =
      candidates.length === 0
        ? null
        : formGeneration(
            entry.job.id,
            entry.job.generation,
            randomBytes(16).toString('hex'),
            candidates,
            previous,
            entry.job.virtualReplicas,
          );
    this.broadcast(entry);
    this.events.onGeneration(entry.job.id, entry.generation, reason).catch(this.onError);
  }

  /** Workers leaving a job go idle (a draining one is told so and may exit). */
  private release(ids: readonly string[], jobId: string): void {
    for (const id of ids) {
      const w = this.workers.get(id);
      if (w?.jobId !== jobId) continue;
      w.jobId = null;
      w.send?.(IDLE_ASSIGNMENT);
    }
  }

  private broadcast(entry: JobEntry): void {
    for (const m of entry.generation?.members ?? []) {
      const w = this.workers.get(m.workerId);
      w?.send?.(this.assignmentOf(w));
    }
  }

  private assignmentOf(w: WorkerEntry): Assignment {
    const entry = w.jobId === null ? undefined : this.jobs.get(w.jobId);
    if (entry?.generation == null) return IDLE_ASSIGNMENT;
    return buildAssignment(entry.job, entry.generation, w.id, entry.work);
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
