import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import { ImageDecodeError } from '../errors/usage.error';
import { resizeCropGeometry } from '../model/resize-crop.geometry';
import { requireFile } from './paths';

const RGB = 3;

/**
 * Decodes an image and applies the bundle's validation transform: shorter side resized to
 * `resize` (bilinear, antialiased like PIL's), centre crop `cropSize`, [0, 1] pixels normalized
 * per channel. Alpha is dropped and grey is expanded to RGB, as PIL's `convert('RGB')` does.
 * Returns HWC float32, the layout the tfjs models take.
 */
export async function loadImage(path: string, pre: Preprocessing): Promise<Float32Array> {
  requireFile('image', path);
  // sharp's native binding costs startup time that commands without images should not pay.
  const { default: sharp } = await import('sharp');
  let width: number;
  let height: number;
  try {
    ({ width, height } = await sharp(path).metadata());
  } catch (e) {
    throw new ImageDecodeError(path, e instanceof Error ? e.message : String(e));
  }
  const g = resizeCropGeometry(width, height, pre.resize, pre.cropSize);
  const { data, info } = await sharp(path)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel: 'linear' })
    .extract({ left: g.left, top: g.top, width: g.crop, height: g.crop })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== RGB) {
    throw new ImageDecodeError(path, `decoded to ${info.channels} channels instead of RGB`);
  }
  const out = new Float32Array(g.crop * g.crop * RGB);
  for (let i = 0; i < out.length; i++) {
    const c = i % RGB;
    out[i] = ((data[i] ?? 0) / 255 - (pre.mean[c] ?? 0)) / (pre.std[c] ?? 1);
  }
  return out;
}
