import { describe, expect, it } from 'vitest';
import { ImageChannelsError } from '../dataset.error';
import type { RawImage } from '../raw-image';
import { writeNormalized } from './normalize';
import { IMAGENET_STATS } from './normalization';

describe('writeNormalized', () => {
  const rgb: RawImage = {
    data: Uint8Array.from([255, 0, 51, 0, 255, 102]),
    width: 2,
    height: 1,
    channels: 3,
  };

  it('writes (x/255 − mean)/std per channel at the offset', () => {
    const out = new Float32Array(8);
    writeNormalized(rgb, out, 2, { stats: IMAGENET_STATS, channels: 3, flip: false });
    expect(out[0]).toBe(0);
    expect(out[2]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[3]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(out[4]).toBeCloseTo((0.2 - 0.406) / 0.225, 5);
    expect(out[6]).toBeCloseTo((1 - 0.456) / 0.224, 5);
  });

  it('mirrors horizontally when flipping', () => {
    const plain = new Float32Array(6);
    const flipped = new Float32Array(6);
    writeNormalized(rgb, plain, 0, { stats: IMAGENET_STATS, channels: 3, flip: false });
    writeNormalized(rgb, flipped, 0, { stats: IMAGENET_STATS, channels: 3, flip: true });
    expect([...flipped]).toEqual([...plain.subarray(3, 6), ...plain.subarray(0, 3)]);
  });

  it('replicates grayscale to 3 channels with a single mean/std, and refuses RGB → 1', () => {
    const gray: RawImage = { data: Uint8Array.from([0, 255]), width: 2, height: 1, channels: 1 };
    const out = new Float32Array(6);
    writeNormalized(gray, out, 0, { stats: { mean: [0.5], std: [0.5] }, channels: 3, flip: false });
    expect([...out]).toEqual([-1, -1, -1, 1, 1, 1]);
    expect(() => {
      writeNormalized(rgb, new Float32Array(2), 0, {
        stats: IMAGENET_STATS,
        channels: 1,
        flip: false,
      });
    }).toThrow(ImageChannelsError);
  });
});
