import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { IdxFormatError } from './dataset.error';
import { decodeIdxImages, decodeIdxLabels, encodeIdx } from './idx.codec';

describe('IDX codec', () => {
  it('round-trips images and labels with big-endian dims', () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const buf = encodeIdx([2, 3, 4], pixels);
    expect([...buf.subarray(0, 8)]).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    expect(decodeIdxImages(buf)).toEqual({ count: 2, rows: 3, cols: 4, pixels });
    expect([...decodeIdxLabels(encodeIdx([3], Uint8Array.from([7, 0, 9])))]).toEqual([7, 0, 9]);
  });

  it('rejects a wrong magic, a wrong length and compressed input, naming the file', () => {
    const labels = encodeIdx([3], Uint8Array.from([1, 2, 3]));
    expect(() => decodeIdxImages(labels, 'x-images')).toThrow(
      /x-images.*magic 0x00000801, expected 0x00000803/,
    );
    const images = encodeIdx([2, 2, 2], new Uint8Array(8));
    expect(() => decodeIdxImages(images.subarray(0, images.length - 1))).toThrow(IdxFormatError);
    expect(() => decodeIdxLabels(Buffer.from([0, 0]))).toThrow(/shorter than its header/);
    expect(() => decodeIdxImages(Buffer.from([0, 0, 8, 3, 0]))).toThrow(/shorter than its header/);
    expect(() => decodeIdxLabels(gzipSync(labels))).toThrow(/gzip/);
  });
});
