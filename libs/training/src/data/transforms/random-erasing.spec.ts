import { describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../dataset-source';
import type { DecodeResult } from '../decode-failures';
import { KeyedRng, RngStream } from '../keyed-rng';
import type { Box, GeometryPlanner, RawImage } from '../raw-image';
import {
  DEFAULT_RANDOM_ERASING,
  eraseBox,
  randomErasing,
  randomErasingBox,
} from './random-erasing';
import { RandomResizedCropTransform } from './imagenet.transform';
import { applyGeometry } from './resize';
import { SmallImageTransform } from './small-image.transform';

const W = 28;
const H = 28;

/** The pixels of `box` that differ from `before`, and whether any outside it changed. */
function changed(before: Float32Array, after: Float32Array, c: number, box: Box | undefined) {
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    const p = Math.floor(i / c);
    const x = p % W;
    const y = Math.floor(p / W);
    const inBox =
      box !== undefined &&
      x >= box.left &&
      x < box.left + box.width &&
      y >= box.top &&
      y < box.top + box.height;
    if (inBox) inside++;
    else outside++;
  }
  return { inside, outside };
}

describe('randomErasingBox', () => {
  it('stays inside the image with area and aspect within their bounds (up to rounding)', () => {
    const { scale, ratio } = DEFAULT_RANDOM_ERASING;
    let drawn = 0;
    for (let k = 0; k < 2000; k++) {
      const box = randomErasingBox(W, H, 1, new KeyedRng(RngStream.erasing, 0, 1, k));
      if (box === undefined) continue;
      drawn++;
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.width).toBeGreaterThanOrEqual(1);
      expect(box.height).toBeGreaterThanOrEqual(1);
      expect(box.left + box.width).toBeLessThanOrEqual(W);
      expect(box.top + box.height).toBeLessThanOrEqual(H);
      expect(box.width).toBeLessThan(W);
      expect(box.height).toBeLessThan(H);
      // h = round(√(area·aspect)), w = round(√(area/aspect)): within ½ of the bounds' extremes.
      const [s0, s1] = [W * H * scale[0], W * H * scale[1]];
      expect(box.height).toBeGreaterThanOrEqual(Math.sqrt(s0 * ratio[0]) - 0.5);
      expect(box.height).toBeLessThanOrEqual(Math.sqrt(s1 * ratio[1]) + 0.5);
      expect(box.width).toBeGreaterThanOrEqual(Math.sqrt(s0 / ratio[1]) - 0.5);
      expect(box.width).toBeLessThanOrEqual(Math.sqrt(s1 / ratio[0]) + 0.5);
      // So the area is the drawn one up to rounding: (√(Aa) ± ½)(√(A/a) ± ½).
      const area = box.width * box.height;
      const slack = 0.5 * (Math.sqrt(s1 * ratio[1]) + Math.sqrt(s1 / ratio[0])) + 0.25;
      expect(area).toBeLessThanOrEqual(s1 + slack);
      expect(area).toBeGreaterThanOrEqual(
        (Math.sqrt(s0 * ratio[0]) - 0.5) * (Math.sqrt(s0 / ratio[1]) - 0.5),
      );
    }
    // With p = 1 almost every sample gets a rectangle (a few exhaust their ten tries on tall or wide ones).
    expect(drawn).toBeGreaterThan(1900);
  });

  it('draws its rectangles over the whole range: small and large, tall and wide, every position', () => {
    const areas: number[] = [];
    const aspects: number[] = [];
    const lefts = new Set<number>();
    const tops = new Set<number>();
    for (let k = 0; k < 2000; k++) {
      const box = randomErasingBox(W, H, 1, new KeyedRng(7, k));
      if (box === undefined) continue;
      areas.push((box.width * box.height) / (W * H));
      aspects.push(box.height / box.width);
      lefts.add(box.left);
      tops.add(box.top);
    }
    expect(Math.min(...areas)).toBeLessThan(0.04);
    expect(Math.max(...areas)).toBeGreaterThan(0.35);
    expect(Math.min(...aspects)).toBeLessThan(0.4);
    expect(Math.max(...aspects)).toBeGreaterThan(2.5);
    expect(lefts.size).toBeGreaterThan(20);
    expect(tops.size).toBeGreaterThan(20);
  });

  it('erases with the given probability', () => {
    let drawn = 0;
    for (let k = 0; k < 4000; k++) {
      if (randomErasingBox(W, H, 0.5, new KeyedRng(3, k)) !== undefined) drawn++;
    }
    expect(drawn / 4000).toBeGreaterThan(0.45);
    expect(drawn / 4000).toBeLessThan(0.52);
    for (let k = 0; k < 200; k++) {
      expect(randomErasingBox(W, H, 0, new KeyedRng(3, k))).toBeUndefined();
    }
  });
});

describe('eraseBox / randomErasing', () => {
  const input = (c: number): Float32Array =>
    Float32Array.from({ length: W * H * c }, (_, i) => ((i * 37) % 101) / 50 - 1);

  it('overwrites exactly the rectangle, with N(0, 1) values, gray when one value per pixel', () => {
    const before = input(3);
    const out = new Float32Array(before.length + 10);
    out.set(before, 10);
    const box = { left: 3, top: 5, width: 12, height: 9 };
    eraseBox(out, 10, W, 3, box, 1, new KeyedRng(1));
    const after = out.subarray(10);
    const diff = changed(before, after, 3, box);
    expect(diff.outside).toBe(0);
    expect(diff.inside).toBe(12 * 9 * 3);
    expect(Array.from(out.subarray(0, 10))).toEqual(new Array(10).fill(0));
    const values: number[] = [];
    for (let y = box.top; y < box.top + box.height; y++) {
      for (let x = box.left; x < box.left + box.width; x++) {
        const at = (y * W + x) * 3;
        expect(after[at + 1]).toBe(after[at]);
        expect(after[at + 2]).toBe(after[at]);
        values.push(after[at] ?? NaN);
      }
    }
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(sd).toBeGreaterThan(0.75);
    expect(sd).toBeLessThan(1.25);
  });

  it('draws a value per channel for colour images', () => {
    const out = input(3);
    eraseBox(out, 0, W, 3, { left: 0, top: 0, width: 4, height: 4 }, 3, new KeyedRng(2));
    expect(out[0]).not.toBe(out[1]);
    expect(out[1]).not.toBe(out[2]);
  });

  it('is a no-op at probability 0 and draws nothing', () => {
    const out = input(3);
    const rng = new KeyedRng(5);
    const box = randomErasing(
      out,
      0,
      { width: W, height: H, channels: 3 },
      { probability: 0, valuesPerPixel: 1 },
      rng,
    );
    expect(box).toBeUndefined();
    expect(out).toEqual(input(3));
    expect(rng.uint32()).toBe(new KeyedRng(5).uint32());
  });

  it('gives the same pixels for the same key and different ones for different keys', () => {
    const shape = { width: W, height: H, channels: 1 };
    const opts = { probability: 1, valuesPerPixel: 1 };
    const a = input(1);
    const b = input(1);
    const boxA = randomErasing(a, 0, shape, opts, new KeyedRng(RngStream.erasing, 0, 2, 17));
    const boxB = randomErasing(b, 0, shape, opts, new KeyedRng(RngStream.erasing, 0, 2, 17));
    expect(boxA).toBeDefined();
    expect(boxB).toEqual(boxA);
    expect(b).toEqual(a);
    const distinct = new Set<string>();
    for (let k = 0; k < 20; k++) {
      const c = input(1);
      const box = randomErasing(c, 0, shape, opts, new KeyedRng(RngStream.erasing, 0, 2, k));
      distinct.add(JSON.stringify(box) + Array.from(c.subarray(0, 50)).join(','));
    }
    expect(distinct.size).toBe(20);
    expect(changed(input(1), a, 1, boxA).outside).toBe(0);
  });
});

/** 28×28 images (grayscale, or RGB) whose pixels encode the index. */
class OneSplit implements DatasetSplit {
  readonly name = 'train';
  readonly size = 100;
  readonly labels = new Int32Array(100);
  constructor(private readonly channels: 1 | 3 = 1) {}
  sampleName(index: number): string {
    return `mem/${index}`;
  }
  read(index: number, geometry?: GeometryPlanner): Promise<DecodeResult> {
    const c = this.channels;
    const data = Uint8Array.from({ length: W * H * c }, (_, p) => (index * 13 + p * 5) % 256);
    const image: RawImage = { data, width: W, height: H, channels: c };
    return Promise.resolve({
      ok: true,
      image: geometry === undefined ? image : applyGeometry(image, geometry(W, H)),
    });
  }
}

describe('SmallImageTransform with random erasing', () => {
  const base = {
    size: W,
    channels: 3 as const,
    stats: { mean: [0.286], std: [0.353] },
    padding: 2,
    flipProbability: 0.5,
    augment: true,
  };
  const sample = async (
    t: SmallImageTransform,
    index: number,
    epoch = 1,
  ): Promise<Float32Array> => {
    const out = new Float32Array(W * H * 3);
    expect((await t.apply(new OneSplit(), { seed: 0, epoch, index }, out, 0)).ok).toBe(true);
    return out;
  };

  it('at probability 0 gives the pixels of the transform without it, bit for bit', async () => {
    const without = new SmallImageTransform(base);
    const zero = new SmallImageTransform({ ...base, randomErasing: 0 });
    for (let index = 0; index < 20; index++) {
      expect(await sample(zero, index)).toEqual(await sample(without, index));
    }
  });

  it('erases one gray rectangle after the unchanged crop and flip, keyed by the sample', async () => {
    const without = new SmallImageTransform(base);
    const erasing = new SmallImageTransform({ ...base, randomErasing: 1 });
    let erased = 0;
    for (let index = 0; index < 20; index++) {
      const plain = await sample(without, index);
      const out = await sample(erasing, index);
      expect(await sample(erasing, index)).toEqual(out);
      const box = randomErasingBox(W, H, 1, new KeyedRng(RngStream.erasing, 0, 1, index));
      const diff = changed(plain, out, 3, box);
      expect(diff.outside).toBe(0);
      if (box !== undefined) erased++;
      for (let p = 0; p < W * H; p++) {
        expect(out[p * 3 + 1]).toBe(out[p * 3]);
        expect(out[p * 3 + 2]).toBe(out[p * 3]);
      }
    }
    expect(erased).toBeGreaterThan(15);
    expect(await sample(erasing, 3, 2)).not.toEqual(await sample(erasing, 3, 1));
  });

  it('never erases when not augmenting (validation)', async () => {
    const val = new SmallImageTransform({ ...base, augment: false, randomErasing: 1 });
    const plain = new SmallImageTransform({ ...base, augment: false });
    expect(await sample(val, 4)).toEqual(await sample(plain, 4));
  });
});

describe('RandomResizedCropTransform with random erasing', () => {
  const sample = async (t: RandomResizedCropTransform, index: number): Promise<Float32Array> => {
    const out = new Float32Array(W * H * 3);
    expect((await t.apply(new OneSplit(3), { seed: 1, epoch: 0, index }, out, 0)).ok).toBe(true);
    return out;
  };

  it('erases after Normalize (torchvision order) with a value per channel, and not at all at 0', async () => {
    const without = new RandomResizedCropTransform({ size: W });
    const zero = new RandomResizedCropTransform({ size: W, randomErasing: 0 });
    const erasing = new RandomResizedCropTransform({ size: W, randomErasing: 1 });
    let erased = 0;
    for (let index = 0; index < 10; index++) {
      const plain = await sample(without, index);
      expect(await sample(zero, index)).toEqual(plain);
      const out = await sample(erasing, index);
      const box = randomErasingBox(W, H, 1, new KeyedRng(RngStream.erasing, 1, 0, index));
      const diff = changed(plain, out, 3, box);
      expect(diff.outside).toBe(0);
      if (box === undefined) continue;
      erased++;
      expect(diff.inside).toBeGreaterThan(box.width * box.height * 2);
      const at = (box.top * W + box.left) * 3;
      expect(out[at]).not.toBe(out[at + 1]);
    }
    expect(erased).toBeGreaterThan(7);
  });
});
