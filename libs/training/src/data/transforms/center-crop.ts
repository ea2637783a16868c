import type { Geometry } from '../raw-image';
import { roundHalfEven } from './random-resized-crop';

/** The standard evaluation crop: the 224 crop of an image resized to 256 keeps 0.875 of the short side. */
export const DEFAULT_CROP_FRACTION = 0.875;

/**
 * Validation geometry: resize so the shorter side is ⌊size/cropFraction⌋ (the long side scaled and
 * truncated as torchvision's Resize(int) does), then take the centred size×size crop.
 */
export function resizeCenterCrop(
  width: number,
  height: number,
  size: number,
  cropFraction = DEFAULT_CROP_FRACTION,
): Geometry {
  const short = Math.floor(size / cropFraction);
  const rw = width <= height ? short : Math.trunc((short * width) / height);
  const rh = width <= height ? Math.trunc((short * height) / width) : short;
  return {
    kind: 'resize-crop',
    width: rw,
    height: rh,
    box: {
      left: roundHalfEven((rw - size) / 2),
      top: roundHalfEven((rh - size) / 2),
      width: size,
      height: size,
    },
  };
}
