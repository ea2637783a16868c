import sharp from 'sharp';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodeResult } from './decode-failures';
import { decodeImage, decodeImageFile } from './image-decoder';
import type { RawImage } from './raw-image';

/** w×h RGB raw pixels: left half `left`, right half `right`. */
function halves(w: number, h: number, left: number[], right: number[]): Buffer {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set(x < w / 2 ? left : right, (y * w + x) * 3);
  }
  return data;
}

function pixel(img: RawImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return [...img.data.subarray(o, o + img.channels)];
}

function image(r: DecodeResult): RawImage {
  if (!r.ok) throw new Error(`expected a decoded image, got ${r.failure.reason}`);
  return r.image;
}

const RED = [220, 20, 20];
const BLUE = [20, 20, 220];

describe('decodeImage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'decoder-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the EXIF orientation (6: rotate 90° clockwise), so the left half ends on top', async () => {
    const jpeg = await sharp(halves(64, 32, RED, BLUE), {
      raw: { width: 64, height: 32, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = image(await decodeImage(jpeg, 'rotated.jpg'));
    expect([img.width, img.height, img.channels]).toEqual([32, 64, 3]);
    pixel(img, 16, 8).forEach((v, c) => {
      expect(Math.abs(v - RED[c])).toBeLessThan(12);
    });
    pixel(img, 16, 56).forEach((v, c) => {
      expect(Math.abs(v - BLUE[c])).toBeLessThan(12);
    });
  });

  it('crops in oriented coordinates', async () => {
    const jpeg = await sharp(halves(64, 32, RED, BLUE), {
      raw: { width: 64, height: 32, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const seen: number[][] = [];
    const img = image(
      await decodeImage(jpeg, 'rotated.jpg', (w, h) => {
        seen.push([w, h]);
        return {
          kind: 'crop-resize',
          box: { left: 0, top: 40, width: 32, height: 24 },
          width: 8,
          height: 6,
        };
      }),
    );
    expect(seen).toEqual([[32, 64]]);
    expect([img.width, img.height]).toEqual([8, 6]);
    pixel(img, 4, 3).forEach((v, c) => {
      expect(Math.abs(v - BLUE[c])).toBeLessThan(12);
    });
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const cmyk = await sharp(halves(16, 16, RED, RED), {
      raw: { width: 16, height: 16, channels: 3 },
    })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = image(await decodeImage(cmyk, 'cmyk.jpg'));
    expect(img.channels).toBe(3);
    const [r, g, b] = pixel(img, 8, 8) as [number, number, number];
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(80);
  });

  it('turns a grayscale PNG into 3 equal channels, and drops alpha', async () => {
    const gray = await sharp(Buffer.from([0, 64, 128, 255]), {
      raw: { width: 2, height: 2, channels: 1 },
    })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const img = image(await decodeImage(gray, 'gray.png'));
    expect([...img.data]).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
    const rgba = await sharp(Buffer.from([10, 20, 30, 40]), {
      raw: { width: 1, height: 1, channels: 4 },
    })
      .png()
      .toBuffer();
    expect([...image(await decodeImage(rgba, 'rgba.png')).data]).toEqual([10, 20, 30]);
  });

  it('reports corrupt, truncated and missing files by name instead of throwing', async () => {
    const jpeg = await sharp(halves(64, 64, RED, BLUE), {
      raw: { width: 64, height: 64, channels: 3 },
    })
      .jpeg()
      .toBuffer();
    const cases: [string, Buffer][] = [
      ['garbage.jpg', Buffer.from('this is not an image')],
      ['truncated.JPEG', jpeg.subarray(0, jpeg.length >> 1)],
    ];
    for (const [name, bytes] of cases) {
      await writeFile(join(dir, name), bytes);
      const r = await decodeImageFile(join(dir, name), undefined, name);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.failure.sample).toBe(name);
        expect(r.failure.reason.length).toBeGreaterThan(0);
      }
    }
    const missing = await decodeImageFile(join(dir, 'nope.png'));
    expect(missing).toMatchObject({ ok: false, failure: { sample: join(dir, 'nope.png') } });
  });
});
