import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_WIDE_PRESET } from '@repvgg/training/presets/fashion-mnist-wide.preset';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import { UsageError } from '../errors/usage.error';
import { presetDatasets, presetFor, presetsHelp } from './preset.option';

describe('--dataset with --preset', () => {
  it("gives the dataset's own preset without --preset, the named one with it", () => {
    expect(presetFor('fashion-mnist', undefined)).toBe(FASHION_MNIST_PRESET);
    expect(presetFor('fashion-mnist', 'fashion-mnist-wide')).toBe(FASHION_MNIST_WIDE_PRESET);
    expect(presetFor(undefined, undefined)).toBeUndefined();
  });

  it('refuses a preset alone or an unknown one, saying what to pass', () => {
    expect(() => presetFor(undefined, 'fashion-mnist-wide')).toThrow(
      new UsageError(
        '--preset fashion-mnist-wide needs the dataset it trains',
        'pass --dataset fashion-mnist with it',
      ),
    );
    expect(() => presetFor('fashion-mnist', 'cifar')).toThrow(
      /^no preset "cifar"; use one of fashion-mnist, fashion-mnist-wide$/,
    );
  });

  it('offers each dataset once and describes every preset in the help', () => {
    expect(presetDatasets()).toEqual(['fashion-mnist']);
    expect(presetsHelp()).toContain(
      'Preset fashion-mnist-wide: RepVGG blocks [1,2,2,1] widths [16,32,96,256] at 32×32, 30 epochs',
    );
  });
});
