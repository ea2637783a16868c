import type { Architecture } from '@repvgg/core';
import {
  CenterCropTransform,
  SmallImageTransform,
  IMAGENET_STATS,
  type ChannelStats,
  type DatasetSource,
  type ImageTransform,
} from '@repvgg/training/data';

/** NCHW float32, the layout writeDeployBundle's equivalence check takes. */
export interface ProbeInput {
  readonly shape: readonly [number, number, number, number];
  readonly data: Float32Array;
}

/**
 * The dataset's normalization for `channels` model inputs: a grayscale dataset's single mean/std
 * repeats over the replicated channels; ImageNet's when the source measured none.
 */
export function inputStats(source: DatasetSource, channels: number): ChannelStats {
  const stats = source.stats ?? IMAGENET_STATS;
  const pick = (v: readonly number[]): number[] =>
    Array.from({ length: channels }, (_, c) => v[c % v.length] ?? 0);
  return { mean: pick(stats.mean), std: pick(stats.std) };
}

function evalTransform(source: DatasetSource, arch: Architecture, size: number): ImageTransform {
  const stats = inputStats(source, arch.inputChannels);
  if (source.kind === 'imagefolder') return new CenterCropTransform({ size, stats });
  const channels = arch.inputChannels === 1 ? 1 : 3;
  return new SmallImageTransform({ size, channels, stats, augment: false });
}

/**
 * The first decodable validation images (train images when the dataset has no validation split),
 * transformed as at evaluation time: the finalizer checks fused against multi-branch logits on
 * them, so the check sees the inputs the model will really get.
 */
export async function validationProbe(
  source: DatasetSource,
  arch: Architecture,
  size: number,
  count: number,
): Promise<ProbeInput> {
  const split = source.val ?? source.train;
  const t = evalTransform(source, arch, size);
  const plane = t.height * t.width;
  const hwc = new Float32Array(plane * t.channels);
  const images: Float32Array[] = [];
  for (let i = 0; i < split.size && images.length < count; i++) {
    const r = await t.apply(split, { seed: 0, epoch: 0, index: i }, hwc, 0);
    if (!r.ok) continue;
    const chw = new Float32Array(hwc.length);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < t.channels; c++) chw[c * plane + p] = hwc[p * t.channels + c] ?? 0;
    }
    images.push(chw);
  }
  const data = new Float32Array(images.length * hwc.length);
  images.forEach((img, n) => {
    data.set(img, n * hwc.length);
  });
  return { shape: [images.length, t.channels, t.height, t.width], data };
}
