import { describe, expect, it } from 'vitest';
import type { RawImage } from '../raw-image';
import { applyGeometry, cropImage, resizeBilinear } from './resize';

function ramp(width: number, height: number, channels: 1 | 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  return { data, width, height, channels };
}

describe('resize', () => {
  it('halving with half-pixel centres averages each pair of pixels', () => {
    const img: RawImage = {
      data: Uint8Array.from([10, 20, 30, 50, 10, 20, 30, 50]),
      width: 4,
      height: 2,
      channels: 1,
    };
    const out = resizeBilinear(img, { left: 0, top: 0, width: 4, height: 2 }, 2, 1);
    expect([...out.data]).toEqual([15, 40]);
  });

  it('resizing a box to its own size is an exact crop', () => {
    const img = ramp(9, 7, 3);
    const box = { left: 2, top: 1, width: 5, height: 4 };
    expect(resizeBilinear(img, box, 5, 4).data).toEqual(cropImage(img, box).data);
    const crop = cropImage(img, box);
    expect([...crop.data.subarray(0, 3)]).toEqual([
      ...img.data.subarray((1 * 9 + 2) * 3, (1 * 9 + 2) * 3 + 3),
    ]);
  });

  it('applyGeometry runs crop-then-resize and resize-then-crop', () => {
    const img = ramp(8, 8, 1);
    const cr = applyGeometry(img, {
      kind: 'crop-resize',
      box: { left: 0, top: 0, width: 4, height: 4 },
      width: 8,
      height: 8,
    });
    expect([cr.width, cr.height]).toEqual([8, 8]);
    expect(cr.data[0]).toBe(img.data[0]);
    const rc = applyGeometry(img, {
      kind: 'resize-crop',
      width: 8,
      height: 8,
      box: { left: 2, top: 2, width: 4, height: 4 },
    });
    expect(rc.data).toEqual(cropImage(img, { left: 2, top: 2, width: 4, height: 4 }).data);
    const same = applyGeometry(img, {
      kind: 'crop-resize',
      box: { left: 0, top: 0, width: 8, height: 8 },
      width: 8,
      height: 8,
    });
    expect(same).toBe(img);
  });
});
