import type { KeyedRng } from '../keyed-rng';
import type { Box } from '../raw-image';

/**
 * Random Erasing (Zhong et al. 2017, "Random Erasing Data Augmentation"; torchvision's RandomErasing):
 * with probability p, a rectangle of the image — area a uniform fraction of the image's in `scale`,
 * aspect ratio log-uniform in `ratio` — is overwritten with random values. Applied, as torchvision
 * does, to the normalized model input, so the fill is drawn from N(0, 1): the data's own mean and
 * spread in that space.
 */
export interface RandomErasingRange {
  /** Erased area as a fraction of the image: [min, max]. */
  readonly scale: readonly [number, number];
  /** Height/width of the rectangle, drawn log-uniformly: [min, max]. */
  readonly ratio: readonly [number, number];
}

/** The paper's Fashion-MNIST / CIFAR setting: area 2–40 %, aspect 0.3–1/0.3. */
export const DEFAULT_RANDOM_ERASING: RandomErasingRange = {
  scale: [0.02, 0.4],
  ratio: [0.3, 1 / 0.3],
};

/** torchvision's tries at a rectangle that fits before it leaves the image alone. */
const TRIES = 10;

/**
 * The rectangle to erase in a height×width image, or undefined: not drawn (1 − p), or no try fitted.
 * torchvision's `get_params`: h = round(√(area·aspect)), w = round(√(area/aspect)), kept only when
 * strictly smaller than the image, then a uniform position.
 */
export function randomErasingBox(
  width: number,
  height: number,
  probability: number,
  rng: KeyedRng,
  range: RandomErasingRange = DEFAULT_RANDOM_ERASING,
): Box | undefined {
  if (!rng.bernoulli(probability)) return undefined;
  const area = width * height;
  const logLo = Math.log(range.ratio[0]);
  const logHi = Math.log(range.ratio[1]);
  for (let t = 0; t < TRIES; t++) {
    const target = area * rng.uniform(range.scale[0], range.scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const h = Math.round(Math.sqrt(target * aspect));
    const w = Math.round(Math.sqrt(target / aspect));
    if (h < 1 || w < 1 || h >= height || w >= width) continue;
    const top = rng.int(height - h + 1);
    const left = rng.int(width - w + 1);
    return { left, top, width: w, height: h };
  }
  return undefined;
}

/** A standard normal draw (Box–Muller; 1 − u keeps the log finite). */
function normal(rng: KeyedRng): number {
  const r = Math.sqrt(-2 * Math.log(1 - rng.float()));
  return r * Math.cos(2 * Math.PI * rng.float());
}

/**
 * Overwrites `box` of the HWC float32 image at out[offset…] (row width `width`, `channels` values a
 * pixel) with N(0, 1) values. `valuesPerPixel` 1 gives every channel of a pixel the same value (a
 * grayscale image replicated to 3 channels stays gray), else one value per channel.
 */
export function eraseBox(
  out: Float32Array,
  offset: number,
  width: number,
  channels: number,
  box: Box,
  valuesPerPixel: number,
  rng: KeyedRng,
): void {
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let x = box.left; x < box.left + box.width; x++) {
      const at = offset + (y * width + x) * channels;
      if (valuesPerPixel === 1) {
        const v = normal(rng);
        for (let c = 0; c < channels; c++) out[at + c] = v;
      } else {
        for (let c = 0; c < channels; c++) out[at + c] = normal(rng);
      }
    }
  }
}

/**
 * Random erasing of one normalized HWC sample in place, from its own RNG stream. Returns the erased
 * rectangle (undefined when none), for tests and logs.
 */
export function randomErasing(
  out: Float32Array,
  offset: number,
  shape: { readonly width: number; readonly height: number; readonly channels: number },
  opts: { readonly probability: number; readonly valuesPerPixel: number },
  rng: KeyedRng,
  range: RandomErasingRange = DEFAULT_RANDOM_ERASING,
): Box | undefined {
  if (opts.probability <= 0) return undefined;
  const box = randomErasingBox(shape.width, shape.height, opts.probability, rng, range);
  if (box !== undefined) {
    eraseBox(out, offset, shape.width, shape.channels, box, opts.valuesPerPixel, rng);
  }
  return box;
}
