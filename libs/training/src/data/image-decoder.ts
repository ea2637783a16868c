import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { DecodeResult } from './decode-failures';
import type { GeometryPlanner } from './raw-image';

// Every image is decoded once per epoch and never again soon: libvips' operation cache only costs memory.
sharp.cache(false);

function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/**
 * Decodes a JPEG/PNG (or anything libvips reads) to RGB uint8: EXIF orientation applied, CMYK and
 * grayscale converted to sRGB, alpha dropped. With a planner, the crop and resize run inside libvips
 * on the oriented image, so only the output size is ever materialized in JS. A file that cannot be read
 * or decoded comes back as a failure naming it, never as an exception.
 */
export async function decodeImage(
  input: Uint8Array,
  name: string,
  geometry?: GeometryPlanner,
): Promise<DecodeResult> {
  try {
    let pipeline = sharp(input).rotate();
    if (geometry !== undefined) {
      const { autoOrient } = await sharp(input).metadata();
      const g = geometry(autoOrient.width, autoOrient.height);
      const resize = { width: g.width, height: g.height, fit: 'fill', kernel: 'linear' } as const;
      pipeline =
        g.kind === 'crop-resize'
          ? pipeline.extract(g.box).resize(resize)
          : pipeline.resize(resize).extract(g.box);
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      return {
        ok: false,
        failure: { sample: name, reason: `decoded to ${info.channels} channels, expected 3` },
      };
    }
    return { ok: true, image: { data, width: info.width, height: info.height, channels: 3 } };
  } catch (err) {
    return { ok: false, failure: { sample: name, reason: reasonOf(err) } };
  }
}

/** Reads and decodes one image file; see decodeImage. `name` (default: the path) is what failures report. */
export async function decodeImageFile(
  file: string,
  geometry?: GeometryPlanner,
  name: string = file,
): Promise<DecodeResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return { ok: false, failure: { sample: name, reason: reasonOf(err) } };
  }
  return decodeImage(bytes, name, geometry);
}
