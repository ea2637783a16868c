import type { TrainPreset } from './train-preset';

/**
 * `repvgg train --dataset fashion-mnist`: a small RepVGG sized so that the run, validation and the
 * deploy bundle fit in 15 minutes on 2 CPU cores (wasm) with test accuracy above 90% (docs/training.md
 * has the measured curve). 28×28 inputs; the stage strides take them to 14, 7, 4, 2, 1.
 */
export const FASHION_MNIST_PRESET: TrainPreset = {
  name: 'fashion-mnist',
  dataset: 'fashion-mnist',
  arch: {
    name: 'RepVGG-fmnist',
    numBlocks: [1, 2, 2, 1],
    widthMultiplier: [0.25, 0.25, 0.25, 0.25],
    overrideGroupsMap: {},
    numClasses: 10,
  },
  imageSize: 28,
  epochs: 10,
  globalBatch: 128,
  replicas: 2,
  lr: 0.1,
  warmupEpochs: 0.5,
  weightDecay: 1e-4,
  labelSmoothing: 0,
  padding: 2,
  flipProbability: 0.5,
  randomErasing: 0,
};
