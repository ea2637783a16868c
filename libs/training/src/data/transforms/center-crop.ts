import type { Geometry } from '../raw-image';
import { roundHalfEven } from './random-resized-crop';

/** The standard evaluation crop: the 224 crop of an image resized to 256 keeps 0.875 of the short side. */
export const DEFAULT_CROP_FRACTION = 0.875;

/**
 * torchvision's `Resize(resize)` (shorter side → resize, the long side scaled and truncated) followed
 * by `CenterCrop(crop)` (offsets rounded as Python does): the validation transform a deploy bundle
 * records as explicit sizes.
 */
export function resizeShortSideCenterCrop(
  width: number,
  height: number,
  resize: number,
  crop: number,
): Geometry {
  if (crop > resize) {
    throw new RangeError(`centre crop ${crop} is larger than the resized shorter side ${resize}`);
  }
  const rw = width <= height ? resize : Math.trunc((resize * width) / height);
  const rh = width <= height ? Math.trunc((resize * height) / width) : resize;
  return {
    kind: 'resize-crop',
    width: rw,
    height: rh,
    box: {
      left: roundHalfEven((rw - crop) / 2),
      top: roundHalfEven((rh - crop) / 2),
      width: crop,
      height: crop,
    },
  };
}

/** Validation geometry: the shorter side resized to ⌊size/cropFraction⌋, then the centred size×size crop. */
export function resizeCenterCrop(
  width: number,
  height: number,
  size: number,
  cropFraction = DEFAULT_CROP_FRACTION,
): Geometry {
  return resizeShortSideCenterCrop(width, height, Math.floor(size / cropFraction), size);
}
