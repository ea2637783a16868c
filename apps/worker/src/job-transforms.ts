import {
  datasetTransforms,
  FASHION_MNIST_PRESET,
  IMAGENET_STATS,
  type DatasetSource,
  type ImageTransform,
} from '@repvgg/training';

/**
 * Training and evaluation transforms of a job, chosen by dataset kind like `repvgg train`: the job
 * spec has no augmentation knobs, so small IDX images get the Fashion-MNIST preset's pad-crop
 * (scaled to the input size) and flip, image folders the paper's RandomResizedCrop.
 */
export function jobTransforms(
  source: DatasetSource,
  size: number,
): { train: ImageTransform; val: ImageTransform } {
  const padding = Math.round(
    (FASHION_MNIST_PRESET.padding * size) / FASHION_MNIST_PRESET.imageSize,
  );
  return datasetTransforms(
    source,
    { imageSize: size, padding, flipProbability: FASHION_MNIST_PRESET.flipProbability },
    source.stats ?? IMAGENET_STATS,
  );
}
