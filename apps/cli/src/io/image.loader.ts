import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import { resizeShortSideCenterCrop } from '@repvgg/training/data/transforms/center-crop';
import { writeNormalized } from '@repvgg/training/data/transforms/normalize';
import { ImageDecodeError } from '../errors/usage.error';
import { requireFile } from './paths';

const RGB = 3;

/**
 * Decodes an image and applies the bundle's validation transform: shorter side resized to
 * `resize`, centre crop `cropSize`, [0, 1] pixels normalized per channel. Decoding is the training
 * decoder's, so EXIF orientation, CMYK, grey and alpha are handled as for the training data.
 * Returns HWC float32, the layout the tfjs models take.
 */
export async function loadImage(path: string, pre: Preprocessing): Promise<Float32Array> {
  requireFile('image', path);
  // sharp's native binding costs startup time that commands without images should not pay.
  const { decodeImageFile } = await import('@repvgg/training/data/image-decoder');
  const decoded = await decodeImageFile(path, (w, h) =>
    resizeShortSideCenterCrop(w, h, pre.resize, pre.cropSize),
  );
  if (!decoded.ok) throw new ImageDecodeError(path, decoded.failure.reason);
  const out = new Float32Array(pre.cropSize * pre.cropSize * RGB);
  writeNormalized(decoded.image, out, 0, {
    stats: { mean: pre.mean, std: pre.std },
    channels: RGB,
    flip: false,
  });
  return out;
}
