import { FASHION_MNIST_PRESET } from './fashion-mnist.preset';
import type { TrainPreset } from './train-preset';

/**
 * `--dataset fashion-mnist --preset fashion-mnist-wide`: the longer recipe for the most accuracy the
 * 15-minute budget on 2 CPU cores affords (docs/training.md, "Toward 93 %", has the trials and the
 * measured run). Over the default preset: the two deepest stages wider (96 and 256 channels, where
 * their 2×2 and 1×1 maps make channels cheap), 32×32 inputs (stage maps 16, 8, 4, 2, 1), 30 epochs
 * and label smoothing 0.1.
 */
export const FASHION_MNIST_WIDE_PRESET: TrainPreset = {
  ...FASHION_MNIST_PRESET,
  name: 'fashion-mnist-wide',
  arch: {
    ...FASHION_MNIST_PRESET.arch,
    name: 'RepVGG-fmnist-wide',
    widthMultiplier: [0.25, 0.25, 0.375, 0.5],
  },
  imageSize: 32,
  epochs: 30,
  labelSmoothing: 0.1,
};
