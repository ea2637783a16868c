import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import type { DatasetSplit } from '../dataset-source';
import { resizeShortSideCenterCrop } from './center-crop';
import type { ImageTransform, SampleKey, TransformResult } from './image-transform';
import { writeNormalized } from './normalize';

/**
 * The evaluation transform a deploy bundle records, applied as recorded: the shorter side resized
 * to `resize`, the centred `cropSize` square, normalized per channel. Validation during training
 * and `repvgg evaluate` both build it from the same `Preprocessing`, so the bundle cannot describe
 * another transform than the one its accuracy was measured with.
 */
export class PreprocessingTransform implements ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(private readonly pre: Preprocessing) {
    this.height = pre.cropSize;
    this.width = pre.cropSize;
    this.channels = pre.mean.length;
  }

  async apply(
    split: DatasetSplit,
    key: SampleKey,
    out: Float32Array,
    offset: number,
  ): Promise<TransformResult> {
    const { resize, cropSize } = this.pre;
    const result = await split.read(key.index, (w, h) =>
      resizeShortSideCenterCrop(w, h, resize, cropSize),
    );
    if (!result.ok) return result;
    writeNormalized(result.image, out, offset, {
      stats: { mean: this.pre.mean, std: this.pre.std },
      channels: this.channels,
      flip: false,
    });
    return { ok: true };
  }
}
