import type { ChannelStats } from '../dataset-source';

/** torchvision's ImageNet statistics, the default when a dataset gives none. */
export const IMAGENET_STATS: ChannelStats = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};
