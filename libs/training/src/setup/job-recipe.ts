import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import type { JobSpec } from '@repvgg/contracts';
import { FASHION_MNIST_PRESET } from '../presets/fashion-mnist.preset';
import type { JobRecipe } from './job-setup';

/**
 * The recipe of a coordinator job, for its workers and its finalizer alike. Of the augmentation the
 * job spec sets only Random Erasing's probability: small IDX images get the Fashion-MNIST preset's
 * pad-crop (scaled to the input size) and flip, as `repvgg train --dataset fashion-mnist` does.
 * `manifestCache`: where the dataset's manifest is cached (the coordinator keeps it in the artifact
 * store).
 */
export function recipeFromJobSpec(spec: JobSpec, manifestCache?: string): JobRecipe {
  const preset = FASHION_MNIST_PRESET;
  return {
    dataset: {
      data: spec.dataset.path,
      ...(manifestCache === undefined ? {} : { cacheDir: manifestCache }),
    },
    arch: (numClasses) => archForClasses(spec.architecture, numClasses),
    imageSize: spec.imageSize,
    epochs: spec.epochs,
    globalBatch: spec.globalBatch,
    replicas: spec.virtualReplicas,
    lr: spec.optimizer.lr,
    warmupEpochs: spec.schedule.warmupEpochs,
    labelSmoothing: spec.labelSmoothing,
    padding: Math.round((preset.padding * spec.imageSize) / preset.imageSize),
    flipProbability: preset.flipProbability,
    randomErasing: spec.randomErasing,
    seed: spec.seed,
  };
}
