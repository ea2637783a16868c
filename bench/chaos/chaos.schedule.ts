/** The faults a chaos run injects (docs/reliability.md describes each). */
export const FAULT_KINDS = [
  'kill-leader',
  'kill-member',
  'stop-member',
  'join',
  'drain',
  'kill-coordinator',
  'kill-redis',
  'kill-all-workers',
  'cut-link',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Where in the job a fault is aimed (`phase-aim.ts` says how each is found from outside). */
export const STEP_PHASES = [
  'compute',
  'all-reduce',
  'checkpoint-write',
  'report-step',
  'validation',
] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export interface ScheduledFault {
  readonly index: number;
  readonly kind: FaultKind;
  /** The phase of the job it strikes in. */
  readonly phase: StepPhase;
  /** Milliseconds after the previous fault's recovery (or the job's first step) it is armed. */
  readonly afterMs: number;
  /** Picks which member (a fraction of the candidates' count), so the choice is seeded too. */
  readonly pick: number;
  /**
   * cut-link: the link stays cut until the generation ends, at the most 2 × `hold` (1.2–2) times
   * the detection bound (the collective deadline, a step and 1 s).
   */
  readonly hold: number;
}

/** mulberry32: a small seeded generator, enough to make a schedule reproducible. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` items: every one of `all` once in a seeded order before any repeats. */
function rounds<T>(all: readonly T[], count: number, next: () => number): T[] {
  const out: T[] = [];
  while (out.length < count) {
    const round = [...all];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    out.push(...round);
  }
  return out.slice(0, count);
}

/**
 * `count` faults of the given kinds (default every kind): each kind once in a seeded order before
 * any repeats, and likewise each phase, drawn independently so kinds meet different phases; each
 * armed a seeded 0.2–3 s after the previous one recovered, then struck at its phase.
 */
export function faultSchedule(
  count: number,
  seed: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): ScheduledFault[] {
  if (kinds.length === 0) throw new Error('a fault schedule needs at least one kind');
  const next = generator(seed);
  const kindOrder = rounds(kinds, count, next);
  const phaseOrder = rounds(STEP_PHASES, count, next);
  return kindOrder.map((kind, index) => ({
    index,
    kind,
    phase: phaseOrder[index] ?? 'compute',
    afterMs: Math.round(200 + next() * 2800),
    pick: next(),
    hold: 1.2 + Math.round(next() * 80) / 100,
  }));
}
