import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import type { DatasetSource } from '../data/dataset-source';
import { DEFAULT_CROP_FRACTION } from '../data/transforms/center-crop';
import { IMAGENET_STATS } from '../data/transforms/normalization';
import { perChannel } from '../data/transforms/normalize';

/**
 * How a model trained on `source` at `imageSize` sees an image at evaluation time, in the form a
 * deploy bundle records it: small fixed-size images (IDX) are resized to the input size whole (no
 * crop), image folders get the paper's resize to ⌊size/0.875⌋ and centre crop. The one place this is
 * decided: validation during training builds its transform from it, and every bundle (`repvgg
 * train`, the coordinator's finalizer) records it.
 */
export function evalPreprocessing(
  source: DatasetSource,
  imageSize: number,
  channels = 3,
): Preprocessing {
  const stats = source.stats ?? IMAGENET_STATS;
  const resize = source.kind === 'idx' ? imageSize : Math.floor(imageSize / DEFAULT_CROP_FRACTION);
  return {
    mean: perChannel(stats.mean, channels),
    std: perChannel(stats.std, channels),
    resize,
    cropSize: imageSize,
    classNames: [...source.classNames],
  };
}
