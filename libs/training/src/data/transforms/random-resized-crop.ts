import type { KeyedRng } from '../keyed-rng';
import type { Box } from '../raw-image';

export interface ResizedCropRange {
  /** Fraction of the image area, default [0.08, 1]. */
  readonly scale: readonly [number, number];
  /** Aspect ratio w/h, default [3/4, 4/3]. */
  readonly ratio: readonly [number, number];
}

export const DEFAULT_RESIZED_CROP: ResizedCropRange = { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] };

/** Python's round(): halves go to the even neighbour; torchvision's crop sizes depend on it. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's RandomResizedCrop.get_params: ten tries at a random area and log-uniform aspect ratio
 * that fits, else a centre crop clamped to the ratio range.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: KeyedRng,
  range: ResizedCropRange = DEFAULT_RESIZED_CROP,
): Box {
  const area = width * height;
  const logLo = Math.log(range.ratio[0]);
  const logHi = Math.log(range.ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(range.scale[0], range.scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < range.ratio[0]) {
    h = roundHalfEven(w / range.ratio[0]);
  } else if (inRatio > range.ratio[1]) {
    w = roundHalfEven(h * range.ratio[1]);
  }
  return {
    left: Math.floor((width - w) / 2),
    top: Math.floor((height - h) / 2),
    width: w,
    height: h,
  };
}
