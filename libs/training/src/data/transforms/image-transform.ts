import type { DatasetSplit } from '../dataset-source';
import type { DecodeFailure } from '../decode-failures';

/** What keys a sample's augmentation randomness: the same key gives the same pixels on every worker. */
export interface SampleKey {
  readonly seed: number;
  readonly epoch: number;
  readonly index: number;
}

export type TransformResult =
  { readonly ok: true } | { readonly ok: false; readonly failure: DecodeFailure };

/** Turns one sample of a split into model input: HWC float32 of height×width×channels, normalized. */
export interface ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Writes the sample at out[offset … offset + height·width·channels). */
  apply(
    split: DatasetSplit,
    key: SampleKey,
    out: Float32Array,
    offset: number,
  ): Promise<TransformResult>;
}
