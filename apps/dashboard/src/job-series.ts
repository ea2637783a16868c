import type { JobEvent } from '@repvgg/contracts/events/job-event.schema';

export type MarkerKind = 'join' | 'leave' | 'failure' | 'change' | 'checkpoint';

/** A vertical line on the per-step charts at global step `x`. */
export interface Marker {
  readonly x: number;
  readonly kind: MarkerKind;
  readonly label: string;
}

export interface GenerationChange {
  readonly generation: number;
  readonly kind: MarkerKind;
  readonly step: number;
  readonly workers: readonly string[];
  readonly joined: readonly string[];
  readonly left: readonly string[];
  readonly reason: string;
}

/** Columns for uPlot: one x array and parallel y arrays. */
export interface StepSeries {
  x: number[];
  loss: number[];
  lr: number[];
  imagesPerSecond: number[];
  seconds: number[];
  allreduceSeconds: number[];
  /** The leader's split (NaN on steps of workers that did not report it). */
  dataWaitSeconds: number[];
  computeSeconds: number[];
  applySeconds: number[];
  commitSeconds: number[];
}

export interface EpochSeries {
  x: number[];
  top1: number[];
  top5: number[];
  valLoss: number[];
  imagesPerSecond: number[];
}

/** Everything the job page draws from the event stream, rebuilt as events arrive. */
export interface JobSeries {
  readonly steps: StepSeries;
  readonly epochs: EpochSeries;
  readonly generations: GenerationChange[];
  /** Global step of the latest committed step (0 before the first). */
  lastStep: number;
}

export const emptySeries = (): JobSeries => ({
  steps: {
    x: [],
    loss: [],
    lr: [],
    imagesPerSecond: [],
    seconds: [],
    allreduceSeconds: [],
    dataWaitSeconds: [],
    computeSeconds: [],
    applySeconds: [],
    commitSeconds: [],
  },
  epochs: { x: [], top1: [], top5: [], valLoss: [], imagesPerSecond: [] },
  generations: [],
  lastStep: 0,
});

/** A failure names itself in the reason; otherwise the membership diff says who joined or left. */
export function generationKind(
  reason: string,
  joined: readonly string[],
  left: readonly string[],
): MarkerKind {
  if (/fail|error|crash/i.test(reason)) return 'failure';
  if (left.length > 0) return 'leave';
  if (joined.length > 0) return 'join';
  return 'change';
}

/** Keeps only the points before `x`: a resumed job re-trains steps after its checkpoint. */
function rewind(cols: Record<string, number[]>, x: number[], before: number): void {
  let n = x.length;
  while (n > 0 && (x[n - 1] ?? 0) >= before) n--;
  for (const col of Object.values(cols)) col.length = n;
}

/** Folds one event of `GET /v1/jobs/:id/events` into `s` (in place) and returns it. */
export function applyEvent(s: JobSeries, e: JobEvent, stepsPerEpoch: number): JobSeries {
  switch (e.type) {
    case 'step': {
      const m = e.metrics;
      const x = m.epoch * stepsPerEpoch + m.step + 1;
      rewind(s.steps as unknown as Record<string, number[]>, s.steps.x, x);
      s.steps.x.push(x);
      s.steps.loss.push(m.loss);
      s.steps.lr.push(m.lr);
      s.steps.imagesPerSecond.push(m.seconds > 0 ? m.images / m.seconds : 0);
      s.steps.seconds.push(m.seconds);
      s.steps.allreduceSeconds.push(m.allreduceSeconds);
      s.steps.dataWaitSeconds.push(m.dataWaitSeconds ?? NaN);
      s.steps.computeSeconds.push(m.computeSeconds ?? NaN);
      s.steps.applySeconds.push(m.applySeconds ?? NaN);
      s.steps.commitSeconds.push(m.commitSeconds ?? NaN);
      s.lastStep = x;
      break;
    }
    case 'epoch': {
      const r = e.result;
      const x = r.epoch + 1;
      rewind(s.epochs as unknown as Record<string, number[]>, s.epochs.x, x);
      s.epochs.x.push(x);
      s.epochs.top1.push(r.top1);
      s.epochs.top5.push(r.top5);
      s.epochs.valLoss.push(r.valLoss);
      s.epochs.imagesPerSecond.push(r.imagesPerSecond);
      break;
    }
    case 'generation': {
      const before = s.generations.at(-1)?.workers ?? [];
      const joined = e.workers.filter((w) => !before.includes(w));
      const left = before.filter((w) => !e.workers.includes(w));
      s.generations.push({
        generation: e.generation,
        kind: generationKind(e.reason, joined, left),
        step: s.lastStep,
        workers: e.workers,
        joined,
        left,
        reason: e.reason,
      });
      break;
    }
    case 'state':
    case 'decode':
      break;
  }
  return s;
}

/** Global step of a checkpoint folder name (`checkpoints/step-00000015`), or null. */
export function checkpointStep(name: string): number | null {
  const m = /(?:^|\/)step-(\d+)(?:\/|$)/.exec(name);
  return m === null ? null : Number(m[1]);
}

/** Generation changes (after the first) and checkpoints as chart markers, by step. */
export function markersOf(s: JobSeries, checkpoints: Iterable<number>): Marker[] {
  const out: Marker[] = s.generations.slice(1).map((g) => ({
    x: g.step,
    kind: g.kind,
    label: `g${g.generation}`,
  }));
  for (const step of checkpoints) out.push({ x: step, kind: 'checkpoint', label: 'ckpt' });
  return out.sort((a, b) => a.x - b.x);
}
