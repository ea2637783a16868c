/**
 * BatchNorm over NHWC data with batch statistics, as PyTorch's training mode computes it: per
 * channel over N·H·W values, biased variance in the normalization. Channel-outer loops keep each
 * accumulator in a float64 register (3× faster in V8 than per-channel accumulator arrays).
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
  const n = x.length;
  const rows = n / c;
  for (let k = 0; k < c; k++) {
    let sum = 0;
    for (let o = k; o < n; o += c) sum += x[o];
    const mu = sum / rows;
    let sq = 0;
    for (let o = k; o < n; o += c) {
      const d = x[o] - mu;
      sq += d * d;
    }
    const v = sq / rows;
    mean[k] = mu;
    variance[k] = v;
    const scale = gamma[k] / Math.sqrt(v + eps);
    const shift = beta[k] - mu * scale;
    for (let o = k; o < n; o += c) y[o] = x[o] * scale + shift;
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
  const n = x.length;
  const rows = n / c;
  for (let k = 0; k < c; k++) {
    const mu = mean[k];
    let sumDy = 0;
    let sumDyXc = 0;
    for (let o = k; o < n; o += c) {
      const g = dy[o];
      sumDy += g;
      sumDyXc += g * (x[o] - mu);
    }
    const invStd = 1 / Math.sqrt(variance[k] + eps);
    const a = gamma[k] * invStd;
    const b = (a * invStd * invStd * sumDyXc) / rows;
    const bias = b * mu - (a * sumDy) / rows;
    dbeta[k] = sumDy;
    dgamma[k] = sumDyXc * invStd;
    for (let o = k; o < n; o += c) dx[o] = a * dy[o] - b * x[o] + bias;
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
