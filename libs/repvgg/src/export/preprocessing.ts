import type { Architecture } from '../arch/arch-spec';
import { BundleOptionsError } from './bundle.error';
import type { Preprocessing } from './bundle-report';

/** ImageNet's validation transform (docs/reference.md): resize 256, centre crop 224, mean/std. */
export const IMAGENET_PREPROCESSING: Preprocessing = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  resize: 256,
  cropSize: 224,
  classNames: null,
};

/** The given preprocessing over ImageNet's defaults, checked against the model's input and classes. */
export function resolvePreprocessing(
  arch: Architecture,
  given: Partial<Preprocessing> = {},
): Preprocessing {
  const p = { ...IMAGENET_PREPROCESSING, ...given };
  const c = arch.inputChannels;
  if (p.mean.length !== c || p.std.length !== c) {
    throw new BundleOptionsError(
      'preprocessing.mean/std',
      `must have ${c} values, one per input channel`,
    );
  }
  if (p.std.some((s) => !(s > 0))) {
    throw new BundleOptionsError('preprocessing.std', 'must be positive');
  }
  if (
    !Number.isInteger(p.cropSize) ||
    p.cropSize < 1 ||
    !Number.isInteger(p.resize) ||
    p.resize < p.cropSize
  ) {
    throw new BundleOptionsError(
      'preprocessing.resize/cropSize',
      'must be integers with resize ≥ cropSize ≥ 1',
    );
  }
  if (p.classNames !== null && p.classNames.length !== arch.head.numClasses) {
    throw new BundleOptionsError(
      'preprocessing.classNames',
      `has ${p.classNames.length} names but the model has ${arch.head.numClasses} classes`,
    );
  }
  return p;
}
