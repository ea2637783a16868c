import type { StepSeries } from './job-series';

export type SplitPhase = 'dataWait' | 'compute' | 'allreduce' | 'apply' | 'commit';

export interface SplitPart {
  readonly phase: SplitPhase;
  readonly label: string;
  readonly color: string;
  /** Mean seconds per step over the window. */
  readonly seconds: number;
  /** Its share of the parts' sum, 0..1. */
  readonly share: number;
}

const PHASES: readonly {
  phase: SplitPhase;
  label: string;
  color: string;
  column: (s: StepSeries) => number[];
}[] = [
  { phase: 'dataWait', label: 'data wait', color: '#f9a825', column: (s) => s.dataWaitSeconds },
  { phase: 'compute', label: 'compute', color: '#455a64', column: (s) => s.computeSeconds },
  { phase: 'allreduce', label: 'all-reduce', color: '#00838f', column: (s) => s.allreduceSeconds },
  { phase: 'apply', label: 'apply', color: '#6a1b9a', column: (s) => s.applySeconds },
  { phase: 'commit', label: 'commit', color: '#c62828', column: (s) => s.commitSeconds },
];

/**
 * The mean split of the last `window` steps that carry one (steps of older workers have none), or
 * null when none does.
 */
export function recentSplit(s: StepSeries, window: number): SplitPart[] | null {
  const picked: number[] = [];
  for (let i = s.x.length - 1; i >= 0 && picked.length < window; i--) {
    if (Number.isFinite(s.computeSeconds[i])) picked.push(i);
  }
  if (picked.length === 0) return null;
  const means = PHASES.map(
    (p) => picked.reduce((sum, i) => sum + (p.column(s)[i] ?? 0), 0) / picked.length,
  );
  const total = means.reduce((a, b) => a + b, 0);
  return PHASES.map((p, k) => ({
    phase: p.phase,
    label: p.label,
    color: p.color,
    seconds: means[k] ?? 0,
    share: total > 0 ? (means[k] ?? 0) / total : 0,
  }));
}
