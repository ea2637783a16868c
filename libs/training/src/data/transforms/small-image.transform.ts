import type { ChannelStats, DatasetSplit } from '../dataset-source';
import { KeyedRng, RngStream } from '../keyed-rng';
import type { GeometryPlanner } from '../raw-image';
import type { ImageTransform, SampleKey, TransformResult } from './image-transform';
import { writeNormalized } from './normalize';
import { randomPadCrop } from './pad-crop';
import { randomErasing } from './random-erasing';

export interface SmallImageTransformOptions {
  /** Output side; images of another size are resized to it (e.g. 28 → 32). */
  readonly size: number;
  /** Model input channels: 1, or 3 to replicate a grayscale image. */
  readonly channels: 1 | 3;
  readonly stats: ChannelStats;
  /** Train only: zero padding of the random crop, 0 for none. */
  readonly padding?: number;
  /** Train only: probability of a horizontal flip, 0 for none. */
  readonly flipProbability?: number;
  /**
   * Train only: probability of Random Erasing (random-erasing.ts) on the normalized image, after the
   * crop and flip, from its own RNG stream; 0 (the default) for none.
   */
  readonly randomErasing?: number;
  /** False for validation: no randomness at all. */
  readonly augment: boolean;
}

/**
 * For small fixed-size images (Fashion-MNIST 28×28): optional resize to the model's input size, then in
 * training RandomCrop(size, padding) and a horizontal flip; then Normalize; then, in training and when
 * asked for, Random Erasing. The preset picks the values.
 */
export class SmallImageTransform implements ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  private readonly planner: GeometryPlanner;

  constructor(private readonly opts: SmallImageTransformOptions) {
    this.height = opts.size;
    this.width = opts.size;
    this.channels = opts.channels;
    const size = opts.size;
    this.planner = (w, h) => ({
      kind: 'crop-resize',
      box: { left: 0, top: 0, width: w, height: h },
      width: size,
      height: size,
    });
  }

  async apply(
    split: DatasetSplit,
    key: SampleKey,
    out: Float32Array,
    offset: number,
  ): Promise<TransformResult> {
    const result = await split.read(key.index, this.planner);
    if (!result.ok) return result;
    let image = result.image;
    let flip = false;
    if (this.opts.augment) {
      const rng = new KeyedRng(RngStream.augmentation, key.seed, key.epoch, key.index);
      flip = rng.bernoulli(this.opts.flipProbability ?? 0);
      image = randomPadCrop(image, this.opts.padding ?? 0, rng);
    }
    writeNormalized(image, out, offset, { stats: this.opts.stats, channels: this.channels, flip });
    const erasing = this.opts.augment ? (this.opts.randomErasing ?? 0) : 0;
    if (erasing > 0) {
      randomErasing(
        out,
        offset,
        this,
        // A grayscale source replicated to 3 channels stays gray inside the rectangle.
        { probability: erasing, valuesPerPixel: image.channels === 1 ? 1 : this.channels },
        new KeyedRng(RngStream.erasing, key.seed, key.epoch, key.index),
      );
    }
    return { ok: true };
  }
}
