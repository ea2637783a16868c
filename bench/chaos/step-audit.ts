import {
  EpochOrder,
  combineDigests,
  digestSamples,
  formatDigest,
  parseDigest,
  type SampleDigest,
} from '@repvgg/training';

/** One committed step as the coordinator recorded it (GET /v1/jobs/:id/metrics `steps`). */
export interface CommittedStep {
  readonly epoch: number;
  readonly step: number;
  readonly at: string;
  readonly samplesDigest?: string | undefined;
  readonly generation?: number | undefined;
  readonly workers?: number | undefined;
  /** The step's duration and its first phases (what the chaos run aims its faults by). */
  readonly seconds?: number | undefined;
  readonly dataWaitSeconds?: number | undefined;
  readonly computeSeconds?: number | undefined;
}

/** What the sample order of the job's train split is (the job spec and the split's size). */
export interface SampleLayout {
  readonly size: number;
  readonly seed: number;
  readonly globalBatch: number;
  readonly replicas: number;
  readonly epochs: number;
}

export interface EpochAudit {
  readonly epoch: number;
  readonly steps: number;
  /** Samples the epoch's committed steps consumed, by their digests. */
  readonly samples: number;
  /** Samples of the split no step of the epoch takes (the tail short of a global batch). */
  readonly droppedTail: number;
  readonly ok: boolean;
}

export interface AuditResult {
  /** Every step of every epoch committed exactly once, in order. */
  readonly exactlyOnce: {
    readonly ok: boolean;
    readonly committed: number;
    readonly problems: string[];
  };
  /** Every step's digest equals its micro-batches' from the sample order; every epoch's sums to its samples once. */
  readonly samples: {
    readonly ok: boolean;
    readonly epochs: EpochAudit[];
    readonly problems: string[];
  };
}

const MAX_PROBLEMS = 10;

function note(problems: string[], message: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push(message);
}

/**
 * Merges the newest-window readings of the step list into one history in commit order: a reading
 * overlaps the previous ones, so entries already seen (the same step at the same time) are skipped;
 * a step committed twice has another time and is kept twice.
 */
export class StepHistory {
  private readonly seen = new Set<string>();
  readonly steps: CommittedStep[] = [];

  add(window: readonly CommittedStep[]): CommittedStep[] {
    const fresh: CommittedStep[] = [];
    for (const s of window) {
      const key = `${s.epoch}/${s.step}/${s.at}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.steps.push(s);
      fresh.push(s);
    }
    return fresh;
  }
}

/**
 * Proves from the committed steps alone that no step was lost, repeated or reordered, and — from
 * each step's sample digest against the epoch order (libs/training sample-order.ts) — that every
 * sample of every epoch was consumed exactly once.
 */
export function auditSteps(history: readonly CommittedStep[], layout: SampleLayout): AuditResult {
  const order0 = new EpochOrder(layout.size, layout.seed, 0, layout.globalBatch, layout.replicas);
  const perEpoch = order0.steps;
  const once: string[] = [];
  const expectedTotal = perEpoch * layout.epochs;
  history.forEach((s, i) => {
    const want = { epoch: Math.floor(i / perEpoch), step: i % perEpoch };
    if (s.epoch !== want.epoch || s.step !== want.step) {
      note(
        once,
        `commit #${i} is epoch ${s.epoch} step ${s.step}, expected epoch ${want.epoch} step ${want.step}`,
      );
    }
  });
  if (history.length !== expectedTotal) {
    note(
      once,
      `${history.length} commits, expected ${expectedTotal} (${layout.epochs} epochs × ${perEpoch} steps)`,
    );
  }

  const problems: string[] = [];
  const epochs: EpochAudit[] = [];
  for (let epoch = 0; epoch < layout.epochs; epoch++) {
    const order = new EpochOrder(
      layout.size,
      layout.seed,
      epoch,
      layout.globalBatch,
      layout.replicas,
    );
    const committed = history.filter((s) => s.epoch === epoch);
    const recorded: SampleDigest[] = [];
    let ok = true;
    for (const s of committed) {
      if (s.samplesDigest === undefined) {
        note(problems, `epoch ${epoch} step ${s.step} carries no sample digest`);
        ok = false;
        continue;
      }
      const got = parseDigest(s.samplesDigest);
      recorded.push(got);
      const expected =
        s.step < order.steps
          ? formatDigest(
              digestSamples(
                Array.from({ length: layout.replicas }, (_, v) => [
                  ...order.samples(s.step, v),
                ]).flat(),
              ),
            )
          : 'none (past the epoch)';
      if (s.samplesDigest !== expected) {
        note(
          problems,
          `epoch ${epoch} step ${s.step}: digest ${s.samplesDigest}, the order says ${expected}`,
        );
        ok = false;
      }
    }
    // The epoch as a whole: each trained sample once (a repeated or missing step shows here too).
    const trained = order.steps * layout.globalBatch;
    const all = Array.from({ length: order.steps }, (_, step) =>
      Array.from({ length: layout.replicas }, (_, v) => [...order.samples(step, v)]).flat(),
    ).flat();
    const whole = combineDigests(recorded);
    if (formatDigest(whole) !== formatDigest(digestSamples(all)) || new Set(all).size !== trained) {
      note(
        problems,
        `epoch ${epoch}: its steps' digests add up to ${whole.count} samples (${formatDigest(whole)}), not its ${trained} samples once each`,
      );
      ok = false;
    }
    epochs.push({
      epoch,
      steps: committed.length,
      samples: whole.count,
      droppedTail: layout.size - trained,
      ok,
    });
  }
  return {
    exactlyOnce: { ok: once.length === 0, committed: history.length, problems: once },
    samples: { ok: problems.length === 0 && epochs.every((e) => e.ok), epochs, problems },
  };
}
