import { setTimeout as delay } from 'node:timers/promises';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@repvgg/training';
import { ChaosCluster, exited, type ChaosWorker } from './chaos.cluster';
import { writeFashionMnistSlice } from './chaos.dataset';
import { armFault, currentGeneration, members, type FaultOutcome } from './chaos.faults';
import { oneProcessWeights, stateDictSha256 } from './chaos.reference';
import { FAULT_KINDS, faultSchedule, type FaultKind, type StepPhase } from './chaos.schedule';
import { LinkCutter } from './link-cut';
import { phaseTrigger } from './phase-aim';
import { waitForPhase, type PhaseHit } from './phase-wait';
import { recoveryBreakdown, type LogLine, type RecoveryPhases } from './recovery.phases';
import { auditSteps, type AuditResult } from './step-audit';
import { JobWatch, parseSse, until } from './job-watch';

export interface ChaosOptions {
  readonly faults: number;
  readonly seed: number;
  readonly workers: number;
  readonly trainImages: number;
  readonly testImages: number;
  readonly epochs: number;
  readonly imageSize: number;
  /** RepVGG width multiplier of every stage (one block each). */
  readonly width: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  /** The fault kinds to draw from (default all; cut-link needs root and a private netns). */
  readonly kinds?: readonly FaultKind[];
  /** Keep the run's directory (logs, AOF, artifacts) instead of deleting it. */
  readonly keep?: boolean;
  readonly log: (line: string) => void;
}

export interface FaultRecord extends FaultOutcome, Partial<RecoveryPhases>, PhaseHit {
  readonly index: number;
  readonly kind: FaultKind;
  /** The phase it was aimed at; `struckOn` says how that moment was found. */
  readonly phase: StepPhase;
  /** Fault → the first step committed after it (by a later generation for a worker fault). */
  readonly recoverySeconds: number | null;
}

export interface KindStats {
  readonly kind: FaultKind;
  readonly count: number;
  readonly medianSeconds: number | null;
  readonly p95Seconds: number | null;
  readonly maxSeconds: number | null;
}

export interface ChaosChecks {
  readonly jobSucceeded: boolean;
  readonly weightsMatchOneProcess: boolean;
  readonly stepsExactlyOnceInOrder: boolean;
  readonly everySampleOncePerEpoch: boolean;
  readonly everyFaultInjectedAndRecovered: boolean;
  readonly hungMembersDetectedInDeadline: boolean;
  readonly noProcessLeft: boolean;
}

export interface ChaosResult {
  readonly options: Omit<ChaosOptions, 'log' | 'keep' | 'kinds'> & { readonly kinds: FaultKind[] };
  readonly jobId: string;
  readonly state: string;
  readonly wallSeconds: number;
  readonly committedSteps: number;
  readonly weights: { readonly job: string | null; readonly oneProcess: string };
  readonly audit: AuditResult;
  readonly faults: FaultRecord[];
  readonly recovery: KindStats[];
  readonly leftoverPids: number[];
  readonly checks: ChaosChecks;
  readonly passed: boolean;
  readonly dir: string | null;
}

const WORKER_FAULTS: ReadonlySet<FaultKind> = new Set([
  'kill-leader',
  'kill-member',
  'stop-member',
  'join',
  'drain',
  'kill-all-workers',
  'cut-link',
]);

/**
 * How long the running generation's ring waits for a silent peer, as `AdaptiveDeadline` sets it
 * (the shard runner feeds it every step's time): 3 × the p99 of the generation's step times, at
 * least 5 s. Read from the committed steps' durations, with the longest step.
 */
function collectiveTiming(w: JobWatch): { collectiveDeadlineMs: number; stepMs: number } {
  const latest = w.latest();
  const ms = w.history.steps
    .filter((s) => s.generation === latest?.generation)
    .map((s) => 1000 * (s.seconds ?? 0))
    .sort((a, b) => a - b);
  const p99 = ms[Math.min(ms.length - 1, Math.ceil(0.99 * ms.length) - 1)] ?? 0;
  return {
    collectiveDeadlineMs: Math.max(5_000, Math.ceil(3 * p99)),
    stepMs: ms.at(-1) ?? 2_000,
  };
}

/** Bytes of the model file of the job's latest checkpoint (about an all-reduce's gradient). */
function modelBytes(checkpointDir: string): number {
  try {
    const latest = JSON.parse(readFileSync(join(checkpointDir, 'latest.json'), 'utf8')) as {
      checkpoint: string;
    };
    return statSync(join(checkpointDir, latest.checkpoint, 'model.safetensors')).size;
  } catch {
    return 400_000;
  }
}

/** The job a chaos run trains: small, deterministic, checkpointing every shard. */
export function chaosJobSpec(opts: ChaosOptions, dataDir: string): Record<string, unknown> {
  const replicas = opts.workers + 1;
  return {
    name: `chaos seed ${opts.seed}`,
    dataset: { source: 'idx', path: dataDir },
    architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [1, 1, 1, 1].map(() => opts.width) },
    imageSize: opts.imageSize,
    epochs: opts.epochs,
    globalBatch: 8 * replicas,
    virtualReplicas: replicas,
    optimizer: { lr: 0.05 },
    seed: opts.seed,
    mode: 'deterministic',
    workers: { min: 1, max: replicas },
    // A checkpoint with every committed step: when every worker dies at once, nothing committed is
    // lost (the epoch's last step is checkpointed by its validation instead).
    shardSteps: 1,
    checkpointEvery: 1,
    failureBudget: { maxFailures: 100, noProgressSeconds: 600 },
  };
}

/** The generation of the last step committed before `t` (ms). */
function hitGeneration(w: JobWatch, t: number): number {
  const s = w.history.steps.filter((x) => Date.parse(x.at) <= t).at(-1);
  return s?.generation ?? -1;
}

/** The percentile `p` (0–1) of sorted values, nearest rank. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
}

export function recoveryStats(faults: readonly FaultRecord[]): KindStats[] {
  const kinds = [...new Set(faults.map((f) => f.kind))];
  return kinds.map((kind) => {
    const s = faults
      .filter((f) => f.kind === kind && f.recoverySeconds !== null)
      .map((f) => f.recoverySeconds ?? 0)
      .sort((a, b) => a - b);
    return {
      kind,
      count: faults.filter((f) => f.kind === kind).length,
      medianSeconds: percentile(s, 0.5),
      p95Seconds: percentile(s, 0.95),
      maxSeconds: s.at(-1) ?? null,
    };
  });
}

/**
 * One chaos run: a private cluster, a deterministic job on a Fashion-MNIST slice, the seeded
 * faults, then the checks (docs/reliability.md). Never throws for a failed check: `passed` says.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'repvgg-chaos-'));
  const log = opts.log;
  const kinds = opts.kinds ?? FAULT_KINDS;
  const schedule = faultSchedule(opts.faults, opts.seed, kinds);
  const links = schedule.some((f) => f.kind === 'cut-link') ? new LinkCutter() : undefined;
  const cluster = await ChaosCluster.start({
    dir,
    heartbeatMs: opts.heartbeatMs,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    queueLockMs: 2_000,
    ...(links === undefined ? {} : { links }),
  });
  const dataDir = join(cluster.dataRoot, 'fashion-mnist-slice');
  writeFashionMnistSlice(dataDir, opts.trainImages, opts.testImages);
  const spec = chaosJobSpec(opts, dataDir);
  const stepsPerEpoch = Math.floor(opts.trainImages / (8 * (opts.workers + 1)));
  const faults: FaultRecord[] = [];
  let jobId = '';
  let watch: JobWatch | undefined;
  let logs: LogLine[] = [];
  try {
    for (let i = 0; i < opts.workers; i++) await cluster.startWorker();
    await until(
      async () => ((await cluster.api('/v1/workers')) as unknown[]).length === opts.workers,
      `${opts.workers} registered workers`,
      120_000,
    );
    jobId = ((await cluster.api('/v1/jobs', { method: 'POST', body: spec })) as { id: string }).id;
    log(
      `job ${jobId}: ${opts.epochs} epochs of ${opts.trainImages} images, ${opts.faults} faults (seed ${opts.seed})`,
    );
    let printed = 0;
    const w = new JobWatch(cluster, jobId, (s) => {
      const total = watch?.view?.progress.totalSteps ?? 0;
      if (watch !== undefined && watch.history.steps.length - printed >= 25) {
        printed = watch.history.steps.length;
        log(
          `epoch ${s.epoch} step ${s.step}: ${printed}/${total} steps committed, ${s.workers ?? '?'} workers`,
        );
      }
    });
    watch = w;
    await until(() => w.latest() !== undefined, 'the first committed step', 180_000);
    const checkpointDir = join(cluster.artifacts, 'jobs', jobId, 'checkpoints');
    for (const fault of schedule) {
      await delay(fault.afterMs);
      const view = w.view;
      if (view !== undefined && view.progress.completedSteps >= view.progress.totalSteps - 3) {
        log(
          `fault ${fault.index + 1}: the job is about to finish; ${opts.faults - fault.index} fault(s) not injected`,
        );
        break;
      }
      // Every worker the job can take in the one generation first (replacements of the last fault
      // have joined; a thawed worker beyond `workers.max` stays idle), so the targets chosen now
      // are the ones the fault meets.
      await until(
        async () => {
          const listed = (await cluster.api('/v1/workers').catch(() => [])) as {
            jobId: string | null;
            generation?: number | null;
          }[];
          const busy = listed.filter((x) => x.jobId !== null);
          return (
            busy.length === Math.min(cluster.workers.length, opts.workers + 1) &&
            new Set(busy.map((x) => x.generation)).size === 1
          );
        },
        'every worker in one generation',
        60_000,
      ).catch((err: unknown) => {
        log(String(err));
      });
      const team = await members(cluster);
      const before = Math.max(w.latest()?.generation ?? 0, await currentGeneration(cluster));
      const armed = await armFault(
        cluster,
        fault,
        {
          heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
          ...collectiveTiming(w),
        },
        links,
      );
      const trigger = phaseTrigger(fault.phase, w.latest() ?? { step: 0 }, {
        stepsPerEpoch,
        members: team.length,
        modelBytes: modelBytes(checkpointDir),
      });
      const follower = team.at(1) ?? team.at(0);
      const hit = await waitForPhase(trigger, {
        watch: w,
        checkpointDir,
        follower: () => follower?.pid,
        timeoutMs: fault.phase === 'validation' ? 60_000 + stepsPerEpoch * 10_000 : 60_000,
      });
      armed.strike();
      const outcome = await armed.finish();
      // A generation formed during a long wait for the phase is the one the fault met.
      const met = Math.max(before, hitGeneration(w, outcome.at));
      // A cut the generation rode out (not detected: the check fails) recovers with any commit.
      const undetectedCut = fault.kind === 'cut-link' && outcome.detectedSeconds === undefined;
      const bound = WORKER_FAULTS.has(fault.kind) && !undetectedCut ? met : -1;
      const recovered = await until(
        () => w.firstCommitAfter(outcome.at, bound) !== undefined,
        `a committed step after fault ${fault.index + 1} (${fault.kind})`,
        180_000,
      ).then(
        () => w.firstCommitAfter(outcome.at, bound),
        (err: unknown) => {
          log(String(err));
          return undefined;
        },
      );
      const recoverySeconds =
        recovered === undefined ? null : (Date.parse(recovered.at) - outcome.at) / 1000;
      faults.push({
        index: fault.index,
        kind: fault.kind,
        phase: fault.phase,
        ...hit,
        ...outcome,
        recoverySeconds,
      });
      log(
        `fault ${fault.index + 1}/${opts.faults} ${fault.kind} in ${fault.phase} (${hit.struckOn})${outcome.target === undefined ? '' : ` (${outcome.target})`}: ${
          recoverySeconds === null
            ? 'NOT recovered'
            : `next step committed after ${recoverySeconds.toFixed(2)} s`
        }${outcome.detectedSeconds === undefined ? '' : `, detected after ${outcome.detectedSeconds.toFixed(2)} s`}`,
      );
      if (recovered === undefined) {
        await cluster.api(`/v1/jobs/${jobId}/cancel`, { method: 'POST' }).catch(() => undefined);
        break;
      }
      // Back to the run's size: replace workers that were killed or drained.
      while (cluster.workers.length < opts.workers) await cluster.startWorker();
    }
    // A step can take seconds on a loaded machine: allow 30 s per step before giving up.
    const total = w.view?.progress.totalSteps ?? 1000;
    await until(
      () => ['succeeded', 'failed', 'cancelled'].includes(w.view?.state ?? ''),
      'the job to end',
      Math.max(1_800_000, total * 30_000),
    ).catch((err: unknown) => {
      log(`${String(err)}: checking what the job reached`);
    });
    await w.poll(1000);
    logs = parseSse(await cluster.text(`/v1/jobs/${jobId}/logs`));
  } finally {
    await watch?.stop();
    await cluster.stop();
  }
  for (const c of cluster.workers) await exited(c.child);
  await delay(200);
  const leftoverPids = cluster.leftovers();
  links?.dispose();
  const state = watch.view?.state ?? 'unknown';
  log(`job ${state}; computing the one-process reference…`);
  const reference = stateDictSha256(await oneProcessWeights(spec));
  const job =
    state === 'succeeded'
      ? stateDictSha256(
          (await loadCheckpoint(join(cluster.artifacts, 'jobs', jobId, 'final-checkpoint')))
            .weights,
        )
      : null;
  const history = watch.history.steps;
  const audit = auditSteps(history, {
    size: opts.trainImages,
    seed: opts.seed,
    globalBatch: 8 * (opts.workers + 1),
    replicas: opts.workers + 1,
    epochs: opts.epochs,
  });
  const timed = faults.map((f) => ({ ...f, ...recoveryBreakdown(f, logs) }));
  const checks: ChaosChecks = {
    jobSucceeded: state === 'succeeded',
    weightsMatchOneProcess: job === reference,
    stepsExactlyOnceInOrder: audit.exactlyOnce.ok,
    everySampleOncePerEpoch: audit.samples.ok,
    everyFaultInjectedAndRecovered:
      timed.length === opts.faults && timed.every((f) => f.recoverySeconds !== null),
    hungMembersDetectedInDeadline: timed.every(
      (f) =>
        (f.kind !== 'stop-member' && f.kind !== 'cut-link') ||
        (f.detectedSeconds ?? Infinity) <= (f.deadlineSeconds ?? 0),
    ),
    noProcessLeft: leftoverPids.length === 0,
  };
  const passed = Object.values(checks).every(Boolean);
  if (opts.keep !== true && passed) rmSync(dir, { recursive: true, force: true });
  return {
    options: {
      faults: opts.faults,
      kinds: [...kinds],
      seed: opts.seed,
      workers: opts.workers,
      trainImages: opts.trainImages,
      testImages: opts.testImages,
      epochs: opts.epochs,
      imageSize: opts.imageSize,
      width: opts.width,
      heartbeatMs: opts.heartbeatMs,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    },
    jobId,
    state,
    wallSeconds: (Date.now() - started) / 1000,
    committedSteps: history.length,
    weights: { job, oneProcess: reference },
    audit,
    faults: timed,
    recovery: recoveryStats(timed),
    leftoverPids,
    checks,
    passed,
    dir: opts.keep === true || !passed ? dir : null,
  };
}

export type { ChaosWorker };
