export interface LrSchedule {
  readonly baseLr: number;
  /** Optimizer steps in the whole run (epochs × steps per epoch). */
  readonly totalSteps: number;
  /** Linear warm-up steps before the cosine starts (0 = none, as in the paper's light recipe). */
  readonly warmupSteps: number;
}

/**
 * The schedule of a run of `epochs` × `stepsPerEpoch` steps. Warm-up may be a fraction of an epoch
 * (Fashion-MNIST's preset uses 0.5); it is rounded to whole steps so that `repvgg train` and a
 * coordinator job of the same recipe step the same learning rates.
 */
export function cosineSchedule(
  baseLr: number,
  epochs: number,
  stepsPerEpoch: number,
  warmupEpochs: number,
): LrSchedule {
  return {
    baseLr,
    totalSteps: epochs * stepsPerEpoch,
    warmupSteps: Math.round(warmupEpochs * stepsPerEpoch),
  };
}

/**
 * Learning rate for optimizer step `step` (0-based): linear warm-up to `baseLr`, then cosine annealing
 * to 0 over the remaining steps, stepped every iteration like PyTorch's `CosineAnnealingLR(T_max=iters)`.
 */
export function learningRate(schedule: LrSchedule, step: number): number {
  const { baseLr, totalSteps, warmupSteps } = schedule;
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const span = totalSteps - warmupSteps;
  if (span <= 0) return baseLr;
  const t = Math.min(step - warmupSteps, span) / span;
  return (baseLr * (1 + Math.cos(Math.PI * t))) / 2;
}
