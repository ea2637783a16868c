import { expandArch, type Architecture } from '@repvgg/core/arch/arch-spec';
import type { StateDict } from '@repvgg/core/tensor/host-tensor';
import { withWideBnStats } from '@repvgg/core/testing/wide-bn-stats';
import { initStateDict } from '@repvgg/core/weights/init';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import type { ValidationMetrics } from '@repvgg/training/trainer/epoch-metrics';
import { evaluationModel } from '@repvgg/training/trainer/evaluation-model';
import { validate } from '@repvgg/training/trainer/validate';

const CLASSES = 10;

export const archOf = (name: string, width: number): Architecture =>
  expandArch({
    name,
    numBlocks: [1, 2, 1, 1],
    widthMultiplier: [width, width, width, width],
    overrideGroupsMap: {},
    numClasses: CLASSES,
  });

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` seeded NHWC images of `size`² pixels and their labels. */
export function batch(n: number, size: number, seed: number): ReplicaBatch {
  const rnd = rng(seed);
  return {
    images: Float32Array.from({ length: n * size * size * 3 }, () => rnd() - 0.5),
    shape: [n, size, size, 3],
    labels: Int32Array.from({ length: n }, () => Math.floor(rnd() * CLASSES)),
  };
}

/** Batches as a data loader hands them out: each after a turn of the event loop (its reads). */
export async function* loaded(batches: readonly ReplicaBatch[]): AsyncGenerator<ReplicaBatch> {
  for (const b of batches) {
    await new Promise((resolve) => setImmediate(resolve));
    yield b;
  }
}

/** The weights of `seed` with BatchNorm statistics away from their 0 / 1 initialization. */
export const trainedLike = (arch: Architecture, seed: number): StateDict =>
  withWideBnStats(initStateDict(arch, seed), seed + 1);

/** The metrics that do not depend on timing. */
export const counted = (m: ValidationMetrics): number[] => [m.loss, m.top1, m.top5, m.images];

/** `validate` as the worker ran it before: the forward passes on this thread. */
export async function onMainThread(
  arch: Architecture,
  weights: StateDict,
  batches: readonly ReplicaBatch[],
): Promise<ValidationMetrics> {
  const model = evaluationModel(arch, weights);
  try {
    return await validate(model, loaded(batches));
  } finally {
    model.dispose();
  }
}
