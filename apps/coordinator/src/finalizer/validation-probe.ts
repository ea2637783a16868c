import type { DatasetSource, ImageTransform } from '@repvgg/training/data';

/** NCHW float32, the layout writeDeployBundle's equivalence check takes. */
export interface ProbeInput {
  readonly shape: readonly [number, number, number, number];
  readonly data: Float32Array;
}

/**
 * The first decodable validation images (train images when the dataset has no validation split),
 * through the job's evaluation transform: the finalizer checks fused against multi-branch logits on
 * them, so the check sees the inputs the model will really get.
 */
export async function validationProbe(
  source: DatasetSource,
  t: ImageTransform,
  count: number,
): Promise<ProbeInput> {
  const split = source.val ?? source.train;
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
