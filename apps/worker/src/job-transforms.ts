import {
  CenterCropTransform,
  FASHION_MNIST_PRESET,
  IMAGENET_STATS,
  RandomResizedCropTransform,
  SmallImageTransform,
  type DatasetSource,
  type ImageTransform,
} from '@repvgg/training';

/** ImageNet's evaluation crop, as the local trainer and the coordinator's probe use. */
const CROP_FRACTION = 0.875;

/**
 * Training and evaluation transforms of a job, chosen by dataset kind like `repvgg train`: the job
 * spec has no augmentation knobs, so small IDX images get the Fashion-MNIST preset's pad-crop
 * (scaled to the input size) and flip, image folders the paper's RandomResizedCrop.
 */
export function jobTransforms(
  source: DatasetSource,
  size: number,
): { train: ImageTransform; val: ImageTransform } {
  const stats = source.stats ?? IMAGENET_STATS;
  if (source.kind === 'idx') {
    const base = { size, channels: 3 as const, stats };
    const padding = Math.round(
      (FASHION_MNIST_PRESET.padding * size) / FASHION_MNIST_PRESET.imageSize,
    );
    return {
      train: new SmallImageTransform({
        ...base,
        padding,
        flipProbability: FASHION_MNIST_PRESET.flipProbability,
        augment: true,
      }),
      val: new SmallImageTransform({ ...base, augment: false }),
    };
  }
  return {
    train: new RandomResizedCropTransform({ size, stats }),
    val: new CenterCropTransform({ size, stats, cropFraction: CROP_FRACTION }),
  };
}
