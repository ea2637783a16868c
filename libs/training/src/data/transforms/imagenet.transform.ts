import type { ChannelStats, DatasetSplit } from '../dataset-source';
import { KeyedRng, RngStream } from '../keyed-rng';
import { DEFAULT_CROP_FRACTION, resizeCenterCrop } from './center-crop';
import type { ImageTransform, SampleKey, TransformResult } from './image-transform';
import { writeNormalized } from './normalize';
import { IMAGENET_STATS } from './normalization';
import { randomErasing } from './random-erasing';
import {
  DEFAULT_RESIZED_CROP,
  randomResizedCropBox,
  type ResizedCropRange,
} from './random-resized-crop';

export interface TrainTransformOptions {
  /** Output side (224 for ImageNet). */
  readonly size: number;
  readonly crop?: ResizedCropRange;
  /** Probability of a horizontal flip, default 0.5. */
  readonly flipProbability?: number;
  readonly stats?: ChannelStats;
  /**
   * Probability of Random Erasing on the normalized tensor (torchvision's order: after Normalize),
   * from its own RNG stream; 0 (the default) for none.
   */
  readonly randomErasing?: number;
}

/**
 * RandomResizedCrop(size) + RandomHorizontalFlip + Normalize [+ RandomErasing], randomness keyed by
 * the sample.
 */
export class RandomResizedCropTransform implements ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly channels = 3;
  private readonly crop: ResizedCropRange;
  private readonly flipProbability: number;
  private readonly stats: ChannelStats;
  private readonly randomErasing: number;

  constructor(opts: TrainTransformOptions) {
    this.height = opts.size;
    this.width = opts.size;
    this.crop = opts.crop ?? DEFAULT_RESIZED_CROP;
    this.flipProbability = opts.flipProbability ?? 0.5;
    this.stats = opts.stats ?? IMAGENET_STATS;
    this.randomErasing = opts.randomErasing ?? 0;
  }

  async apply(
    split: DatasetSplit,
    key: SampleKey,
    out: Float32Array,
    offset: number,
  ): Promise<TransformResult> {
    const rng = new KeyedRng(RngStream.augmentation, key.seed, key.epoch, key.index);
    // The flip is drawn before the crop so its draw position does not depend on how many crop tries ran.
    const flip = rng.bernoulli(this.flipProbability);
    const result = await split.read(key.index, (w, h) => ({
      kind: 'crop-resize',
      box: randomResizedCropBox(w, h, rng, this.crop),
      width: this.width,
      height: this.height,
    }));
    if (!result.ok) return result;
    writeNormalized(result.image, out, offset, {
      stats: this.stats,
      channels: this.channels,
      flip,
    });
    if (this.randomErasing > 0) {
      randomErasing(
        out,
        offset,
        this,
        { probability: this.randomErasing, valuesPerPixel: this.channels },
        new KeyedRng(RngStream.erasing, key.seed, key.epoch, key.index),
      );
    }
    return { ok: true };
  }
}

export interface EvalTransformOptions {
  readonly size: number;
  /** Crop side / resized short side, default 0.875 (256 → 224). */
  readonly cropFraction?: number;
  readonly stats?: ChannelStats;
}

/** Resize(⌊size/0.875⌋) + CenterCrop(size) + Normalize: deterministic. */
export class CenterCropTransform implements ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly channels = 3;
  private readonly cropFraction: number;
  private readonly stats: ChannelStats;

  constructor(opts: EvalTransformOptions) {
    this.height = opts.size;
    this.width = opts.size;
    this.cropFraction = opts.cropFraction ?? DEFAULT_CROP_FRACTION;
    this.stats = opts.stats ?? IMAGENET_STATS;
  }

  async apply(
    split: DatasetSplit,
    key: SampleKey,
    out: Float32Array,
    offset: number,
  ): Promise<TransformResult> {
    const result = await split.read(key.index, (w, h) =>
      resizeCenterCrop(w, h, this.width, this.cropFraction),
    );
    if (!result.ok) return result;
    writeNormalized(result.image, out, offset, {
      stats: this.stats,
      channels: this.channels,
      flip: false,
    });
    return { ok: true };
  }
}
