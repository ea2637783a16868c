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
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScheduledFault {
  readonly index: number;
  readonly kind: FaultKind;
  /** Milliseconds after the previous fault's recovery (or the job's first step) it strikes. */
  readonly afterMs: number;
  /** Picks which member (a fraction of the candidates' count), so the choice is seeded too. */
  readonly pick: number;
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

/**
 * `count` faults: every kind once in a seeded order before any repeats (so 8 or more faults cover
 * them all), each striking a seeded 0.2–3 s after the previous one recovered — a moment that lands
 * in a step's compute, its all-reduce, ReportStep, a validation or a checkpoint write.
 */
export function faultSchedule(count: number, seed: number): ScheduledFault[] {
  const next = generator(seed);
  const kinds: FaultKind[] = [];
  while (kinds.length < count) {
    const round = [...FAULT_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    kinds.push(...round);
  }
  return kinds.slice(0, count).map((kind, index) => ({
    index,
    kind,
    afterMs: Math.round(200 + next() * 2800),
    pick: next(),
  }));
}
