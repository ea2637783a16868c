/**
 * BatchNorm over NHWC data with batch statistics, as PyTorch's training mode computes it: per
 * channel over N·H·W values, biased variance in the normalization. Float64 accumulators keep the
 * sums exact enough that one pass order or another does not matter at float32 precision.
 */
export function batchNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const c = gamma.length;
  const rows = x.length / c;
  const acc = new Float64Array(c);
  for (let i = 0, o = 0; i < rows; i++) {
    for (let k = 0; k < c; k++, o++) acc[k] = acc[k] + x[o];
  }
  const mu = acc.map((s) => s / rows);
  acc.fill(0);
  for (let i = 0, o = 0; i < rows; i++) {
    for (let k = 0; k < c; k++, o++) {
      const d = x[o] - mu[k];
      acc[k] = acc[k] + d * d;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const v = acc[k] / rows;
    mean[k] = mu[k];
    variance[k] = v;
    const s = gamma[k] / Math.sqrt(v + eps);
    scale[k] = s;
    shift[k] = beta[k] - mu[k] * s;
  }
  for (let i = 0, o = 0; i < rows; i++) {
    for (let k = 0; k < c; k++, o++) y[o] = x[o] * scale[k] + shift[k];
  }
}

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
): void {
  const c = gamma.length;
  const rows = x.length / c;
  const sumDy = new Float64Array(c);
  const sumDyXc = new Float64Array(c);
  for (let i = 0, o = 0; i < rows; i++) {
    for (let k = 0; k < c; k++, o++) {
      const g = dy[o];
      sumDy[k] = sumDy[k] + g;
      sumDyXc[k] = sumDyXc[k] + g * (x[o] - mean[k]);
    }
  }
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const bias = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const invStd = 1 / Math.sqrt(variance[k] + eps);
    const ak = gamma[k] * invStd;
    const kk = (ak * invStd * sumDyXc[k]) / rows;
    a[k] = ak;
    b[k] = -kk;
    bias[k] = kk * mean[k] - (ak * sumDy[k]) / rows;
    dbeta[k] = sumDy[k];
    dgamma[k] = sumDyXc[k] * invStd;
  }
  for (let i = 0, o = 0; i < rows; i++) {
    for (let k = 0; k < c; k++, o++) {
      dx[o] = a[k] * dy[o] + b[k] * x[o] + bias[k];
    }
  }
}

/** y = max(0, Σ inputs), the merge at the end of a RepVGG block. */
export function addRelu(inputs: readonly Float32Array[], y: Float32Array): void {
  if (inputs.length === 0) throw new Error('addRelu needs at least one input');
  const [first, ...rest] = inputs as [Float32Array, ...Float32Array[]];
  y.set(first);
  for (const t of rest) {
    for (let i = 0; i < y.length; i++) y[i] = y[i] + t[i];
  }
  for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
}

/** dx = dy where the ReLU output is positive, else 0. */
export function reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < dx.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
