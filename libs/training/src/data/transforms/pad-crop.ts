import type { KeyedRng } from '../keyed-rng';
import type { RawImage } from '../raw-image';

/**
 * torchvision's RandomCrop(size, padding): zero-pad every side by `padding`, then take a random crop of
 * the original size. Zero is the background of MNIST-style images, so padding adds no artefact.
 */
export function randomPadCrop(image: RawImage, padding: number, rng: KeyedRng): RawImage {
  if (padding === 0) return image;
  const { width, height, channels: c, data } = image;
  const dy = rng.int(2 * padding + 1) - padding;
  const dx = rng.int(2 * padding + 1) - padding;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= height) continue;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    if (x1 <= x0) continue;
    out.set(
      data.subarray((sy * width + x0 + dx) * c, (sy * width + x1 + dx) * c),
      (y * width + x0) * c,
    );
  }
  return { data: out, width, height, channels: c };
}
