/**
 * Rows are visited in tiles of about 16 KiB, channel by channel within a tile: each accumulator
 * stays in a register (3× faster in V8 than per-element accumulator arrays) while the tile stays in
 * L1 (3× faster than channel-outer passes over a whole 19 MB activation of A0).
 */
const TILE_FLOATS = 4096;

function tileSize(channels: number): number {
  return Math.max(channels, Math.floor(TILE_FLOATS / channels) * channels);
}

/**
 * The passes over N·H·W·C data that BatchNorm makes; the per-channel arithmetic between them is
 * shared. Each pass accumulates channel k in float64, row after row within a tile and tile after
 * tile, so a version that keeps that order per channel (the SIMD one puts channels in lanes) gives
 * the same bits.
 */
export interface BnPasses {
  /** `length` float64 zeros (on the wasm heap for the SIMD passes). */
  f64(length: number): Float64Array;
  /** acc[k] += Σ x over channel k. */
  sum(x: Float32Array, tile: number, acc: Float64Array): void;
  /** acc[k] += Σ (x − mu[k])² over channel k. */
  sumSq(x: Float32Array, tile: number, mu: Float64Array, acc: Float64Array): void;
  /** y = x·scale[k] + shift[k]. */
  affine(x: Float32Array, scale: Float64Array, shift: Float64Array, y: Float32Array): void;
  /** sumDy[k] += Σ dy, sumDyXc[k] += Σ dy·(x − mean[k]) over channel k. */
  gradSums(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    tile: number,
    sumDy: Float64Array,
    sumDyXc: Float64Array,
  ): void;
  /** dx = a[k]·dy − b[k]·x + bias[k]. */
  gradAffine(
    dy: Float32Array,
    x: Float32Array,
    a: Float64Array,
    b: Float64Array,
    bias: Float64Array,
    dx: Float32Array,
  ): void;
}

/** The passes as JavaScript loops (cpu, and wasm where channels are odd). */
export const JS_BN_PASSES: BnPasses = {
  f64: (length) => new Float64Array(length),
  sum(x, tile, acc) {
    const c = acc.length;
    for (let t0 = 0; t0 < x.length; t0 += tile) {
      const t1 = Math.min(x.length, t0 + tile);
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let o = t0 + k; o < t1; o += c) sum += x[o];
        acc[k] += sum;
      }
    }
  },
  sumSq(x, tile, mu, acc) {
    const c = acc.length;
    for (let t0 = 0; t0 < x.length; t0 += tile) {
      const t1 = Math.min(x.length, t0 + tile);
      for (let k = 0; k < c; k++) {
        const m = mu[k];
        let sq = 0;
        for (let o = t0 + k; o < t1; o += c) {
          const d = x[o] - m;
          sq += d * d;
        }
        acc[k] += sq;
      }
    }
  },
  affine(x, scale, shift, y) {
    const c = scale.length;
    const tile = tileSize(c);
    for (let t0 = 0; t0 < x.length; t0 += tile) {
      const t1 = Math.min(x.length, t0 + tile);
      for (let k = 0; k < c; k++) {
        const a = scale[k];
        const b = shift[k];
        for (let o = t0 + k; o < t1; o += c) y[o] = x[o] * a + b;
      }
    }
  },
  gradSums(dy, x, mean, tile, sumDy, sumDyXc) {
    const c = mean.length;
    for (let t0 = 0; t0 < x.length; t0 += tile) {
      const t1 = Math.min(x.length, t0 + tile);
      for (let k = 0; k < c; k++) {
        const mu = mean[k];
        let s = 0;
        let sx = 0;
        for (let o = t0 + k; o < t1; o += c) {
          const g = dy[o];
          s += g;
          sx += g * (x[o] - mu);
        }
        sumDy[k] += s;
        sumDyXc[k] += sx;
      }
    }
  },
  gradAffine(dy, x, a, b, bias, dx) {
    const c = a.length;
    const tile = tileSize(c);
    for (let t0 = 0; t0 < x.length; t0 += tile) {
      const t1 = Math.min(x.length, t0 + tile);
      for (let k = 0; k < c; k++) {
        const ak = a[k];
        const bk = b[k];
        const ck = bias[k];
        for (let o = t0 + k; o < t1; o += c) dx[o] = ak * dy[o] - bk * x[o] + ck;
      }
    }
  },
};

/**
 * BatchNorm over NHWC data with batch statistics, as PyTorch's training mode computes it: per
 * channel over N·H·W values, biased variance in the normalization, float64 accumulation.
 */
export function batchNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  passes: BnPasses = JS_BN_PASSES,
): void {
  const c = gamma.length;
  const rows = x.length / c;
  const tile = tileSize(c);
  const acc = passes.f64(c);
  passes.sum(x, tile, acc);
  const mu = passes.f64(c);
  for (let k = 0; k < c; k++) mu[k] = acc[k] / rows;
  acc.fill(0);
  passes.sumSq(x, tile, mu, acc);
  const scale = passes.f64(c);
  const shift = passes.f64(c);
  for (let k = 0; k < c; k++) {
    const v = acc[k] / rows;
    mean[k] = mu[k];
    variance[k] = v;
    scale[k] = gamma[k] / Math.sqrt(v + eps);
    shift[k] = beta[k] - mu[k] * scale[k];
  }
  passes.affine(x, scale, shift, y);
}

/** Float64 scratch `batchNormForward` asks its passes for. */
export const BN_FORWARD_F64 = (channels: number): number => 4 * channels;
/** Float64 scratch `batchNormBackward` asks its passes for. */
export const BN_BACKWARD_F64 = (channels: number): number => 5 * channels;

/**
 * The gradient of `batchNormForward` w.r.t. x, γ and β, including the paths through the batch
 * mean and variance: dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)).
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  eps: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  passes: BnPasses = JS_BN_PASSES,
): void {
  const c = gamma.length;
  const rows = x.length / c;
  const sumDy = passes.f64(c);
  const sumDyXc = passes.f64(c);
  passes.gradSums(dy, x, mean, tileSize(c), sumDy, sumDyXc);
  // dx = a·dy − b·x + bias per channel, the formula above expanded so one pass computes it.
  const a = passes.f64(c);
  const b = passes.f64(c);
  const bias = passes.f64(c);
  for (let k = 0; k < c; k++) {
    const invStd = 1 / Math.sqrt(variance[k] + eps);
    a[k] = gamma[k] * invStd;
    b[k] = (a[k] * invStd * invStd * sumDyXc[k]) / rows;
    bias[k] = b[k] * mean[k] - (a[k] * sumDy[k]) / rows;
    dbeta[k] = sumDy[k];
    dgamma[k] = sumDyXc[k] * invStd;
  }
  passes.gradAffine(dy, x, a, b, bias, dx);
}

/** y = max(0, Σ inputs) in one pass, the merge at the end of a RepVGG block (2 or 3 branches). */
export function addRelu(inputs: readonly Float32Array[], y: Float32Array): void {
  if (inputs.length < 2 || inputs.length > 3) throw new Error('addRelu takes 2 or 3 inputs');
  const [a, b, c] = inputs as [Float32Array, Float32Array, Float32Array | undefined];
  // (s + |s|)/2 is exactly max(s, 0) and branch-free: 3× faster than a comparison on data whose
  // signs are random.
  if (c === undefined) {
    for (let i = 0; i < y.length; i++) {
      const s = a[i] + b[i];
      y[i] = (s + Math.abs(s)) * 0.5;
    }
    return;
  }
  for (let i = 0; i < y.length; i++) {
    const s = a[i] + b[i] + c[i];
    y[i] = (s + Math.abs(s)) * 0.5;
  }
}

/** dx = dy where the ReLU output is positive, else 0. */
export function reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
  // y ≥ 0, so ceil(min(y, 1)) is the 0/1 mask, branch-free (4× faster than a comparison).
  for (let i = 0; i < dx.length; i++) dx[i] = dy[i] * Math.ceil(Math.min(y[i], 1));
}
