import type { ChannelStats } from '../dataset-source';
import { ImageChannelsError } from '../dataset.error';
import type { RawImage } from '../raw-image';

export interface NormalizeOptions {
  readonly stats: ChannelStats;
  /** Output channels; a 1-channel image is replicated to 3. */
  readonly channels: number;
  readonly flip: boolean;
}

/** Per-output-channel values; a single mean/std applies to every channel. */
export function perChannel(values: readonly number[], channels: number): number[] {
  if (values.length !== 1 && values.length !== channels) {
    throw new RangeError(`normalization has ${values.length} values for ${channels} channels`);
  }
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c] ?? 0);
}

/**
 * Writes (x/255 − mean)/std as HWC float32 at out[offset…], mirrored horizontally when `flip`.
 * Flip and normalization share one pass because this loop is the per-pixel cost of every sample.
 */
export function writeNormalized(
  image: RawImage,
  out: Float32Array,
  offset: number,
  opts: NormalizeOptions,
): void {
  const { width, height, channels: inC, data } = image;
  const outC = opts.channels;
  if (!(inC === outC || (inC === 1 && outC === 3))) throw new ImageChannelsError(inC, outC);
  const mean = perChannel(opts.stats.mean, outC);
  const std = perChannel(opts.stats.std, outC);
  // Kept in float64 so that e.g. mean = std = 0.5 maps 0 and 255 to exactly −1 and 1.
  const scale = std.map((s) => 1 / (255 * s));
  const shift = mean.map((m, c) => m / (std[c] ?? 1));
  // One strided pass per output channel with its constants hoisted: this runs for every pixel of every sample.
  for (let c = 0; c < outC; c++) {
    const k = scale[c] ?? 0;
    const m = shift[c] ?? 0;
    const srcC = inC === 1 ? 0 : c;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      let src = (opts.flip ? row + width - 1 : row) * inC + srcC;
      const step = opts.flip ? -inC : inC;
      let dst = offset + row * outC + c;
      for (let x = 0; x < width; x++, src += step, dst += outC) out[dst] = data[src] * k - m;
    }
  }
}
