import type { ChannelStats, DatasetSource } from '../data/dataset-source';
import { DEFAULT_CROP_FRACTION } from '../data/transforms/center-crop';
import type { ImageTransform } from '../data/transforms/image-transform';
import {
  CenterCropTransform,
  RandomResizedCropTransform,
} from '../data/transforms/imagenet.transform';
import { SmallImageTransform } from '../data/transforms/small-image.transform';

export interface DatasetTransformOptions {
  readonly imageSize: number;
  /** Small fixed-size images (IDX): random-crop zero padding and flip probability. */
  readonly padding: number;
  readonly flipProbability: number;
}

/**
 * Training and evaluation transforms by dataset kind, shared by `repvgg train` and the workers:
 * small IDX images get pad-crop + flip, image folders the paper's RandomResizedCrop + flip and the
 * resize/centre-crop evaluation.
 */
export function datasetTransforms(
  source: DatasetSource,
  opts: DatasetTransformOptions,
  stats: ChannelStats,
): { train: ImageTransform; val: ImageTransform } {
  const size = opts.imageSize;
  if (source.kind === 'idx') {
    const base = { size, channels: 3 as const, stats };
    return {
      train: new SmallImageTransform({
        ...base,
        padding: opts.padding,
        flipProbability: opts.flipProbability,
        augment: true,
      }),
      val: new SmallImageTransform({ ...base, augment: false }),
    };
  }
  return {
    train: new RandomResizedCropTransform({ size, stats }),
    val: new CenterCropTransform({ size, stats, cropFraction: DEFAULT_CROP_FRACTION }),
  };
}
