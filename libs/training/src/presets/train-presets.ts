import { FASHION_MNIST_WIDE_PRESET } from './fashion-mnist-wide.preset';
import { FASHION_MNIST_PRESET } from './fashion-mnist.preset';
import type { TrainPreset } from './train-preset';

/** Every named recipe, by name; a named dataset's default preset has the dataset's name. */
export const TRAIN_PRESETS: Readonly<Record<string, TrainPreset>> = {
  [FASHION_MNIST_PRESET.name]: FASHION_MNIST_PRESET,
  [FASHION_MNIST_WIDE_PRESET.name]: FASHION_MNIST_WIDE_PRESET,
};
