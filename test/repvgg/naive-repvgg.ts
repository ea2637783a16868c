import { floatData, Rng, type Architecture, type BlockSpec, type StateDict } from '@repvgg/core';

/**
 * RepVGG evaluated naively in float64, NCHW, straight from the PyTorch definitions: an oracle
 * independent of the fusion code and of tfjs. Slow by design; use tiny shapes.
 */
export interface NchwTensor {
  readonly shape: readonly [number, number, number, number];
  readonly data: Float64Array;
}

export interface ConvParams {
  readonly kernel: ArrayLike<number>;
  readonly outChannels: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: number;
  readonly groups: number;
  readonly bias?: ArrayLike<number>;
}

/** torch.nn.functional.conv2d with symmetric zero padding. */
export function conv2d(x: NchwTensor, p: ConvParams): NchwTensor {
  const [n, c, h, w] = x.shape;
  const ho = Math.floor((h + 2 * p.pad - p.k) / p.stride) + 1;
  const wo = Math.floor((w + 2 * p.pad - p.k) / p.stride) + 1;
  const cinG = c / p.groups;
  const coutG = p.outChannels / p.groups;
  const y = new Float64Array(n * p.outChannels * ho * wo);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < p.outChannels; o++) {
      const g = Math.floor(o / coutG);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          let acc = p.bias === undefined ? 0 : p.bias[o];
          for (let ci = 0; ci < cinG; ci++) {
            const cin = g * cinG + ci;
            for (let ki = 0; ki < p.k; ki++) {
              const yi = i * p.stride - p.pad + ki;
              if (yi < 0 || yi >= h) continue;
              for (let kj = 0; kj < p.k; kj++) {
                const xj = j * p.stride - p.pad + kj;
                if (xj < 0 || xj >= w) continue;
                acc +=
                  p.kernel[((o * cinG + ci) * p.k + ki) * p.k + kj] *
                  x.data[((s * c + cin) * h + yi) * w + xj];
              }
            }
          }
          y[((s * p.outChannels + o) * ho + i) * wo + j] = acc;
        }
      }
    }
  }
  return { shape: [n, p.outChannels, ho, wo], data: y };
}

/** BatchNorm2d in eval mode (running statistics), eps 1e-5. */
export function batchNormEval(x: NchwTensor, sd: StateDict, prefix: string): NchwTensor {
  const [n, c, h, w] = x.shape;
  const gamma = floatData(sd, `${prefix}.weight`);
  const beta = floatData(sd, `${prefix}.bias`);
  const mean = floatData(sd, `${prefix}.running_mean`);
  const variance = floatData(sd, `${prefix}.running_var`);
  const y = new Float64Array(x.data.length);
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const scale = gamma[ch] / Math.sqrt(variance[ch] + 1e-5);
      for (let q = 0; q < h * w; q++) {
        const idx = (s * c + ch) * h * w + q;
        y[idx] = (x.data[idx] - mean[ch]) * scale + beta[ch];
      }
    }
  }
  return { shape: x.shape, data: y };
}

function relu(x: NchwTensor): NchwTensor {
  return { shape: x.shape, data: x.data.map((v) => Math.max(0, v)) };
}

function add(a: NchwTensor, b: NchwTensor): NchwTensor {
  return { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]) };
}

/** One training-time block, BN in inference mode: ReLU(BN(conv3) + BN(conv1) + BN_id(x)). */
export function trainBlock(x: NchwTensor, b: BlockSpec, sd: StateDict): NchwTensor {
  const common = { outChannels: b.outChannels, stride: b.stride, groups: b.groups };
  const dense = conv2d(x, {
    ...common,
    kernel: floatData(sd, `${b.prefix}.rbr_dense.conv.weight`),
    k: 3,
    pad: 1,
  });
  const pointwise = conv2d(x, {
    ...common,
    kernel: floatData(sd, `${b.prefix}.rbr_1x1.conv.weight`),
    k: 1,
    pad: 0,
  });
  let sum = add(
    batchNormEval(dense, sd, `${b.prefix}.rbr_dense.bn`),
    batchNormEval(pointwise, sd, `${b.prefix}.rbr_1x1.bn`),
  );
  if (b.hasIdentity) sum = add(sum, batchNormEval(x, sd, `${b.prefix}.rbr_identity`));
  return relu(sum);
}

/** One fused block: ReLU(conv3x3(x) + bias). */
export function deployBlock(x: NchwTensor, b: BlockSpec, sd: StateDict): NchwTensor {
  return relu(
    conv2d(x, {
      outChannels: b.outChannels,
      stride: b.stride,
      groups: b.groups,
      kernel: floatData(sd, `${b.prefix}.rbr_reparam.weight`),
      bias: floatData(sd, `${b.prefix}.rbr_reparam.bias`),
      k: 3,
      pad: 1,
    }),
  );
}

/** The whole network: blocks, global average pool, linear. Returns logits [N, classes]. */
export function forward(
  arch: Architecture,
  sd: StateDict,
  input: NchwTensor,
  kind: 'train' | 'deploy',
): Float64Array {
  let x = input;
  for (const b of arch.blocks) x = kind === 'train' ? trainBlock(x, b, sd) : deployBlock(x, b, sd);
  const [n, c, h, w] = x.shape;
  const weight = floatData(sd, 'linear.weight');
  const bias = floatData(sd, 'linear.bias');
  const classes = arch.head.numClasses;
  const logits = new Float64Array(n * classes);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < classes; k++) {
      let acc = bias[k];
      for (let ch = 0; ch < c; ch++) {
        let mean = 0;
        for (let q = 0; q < h * w; q++) mean += x.data[(s * c + ch) * h * w + q];
        acc += weight[k * c + ch] * (mean / (h * w));
      }
      logits[s * classes + k] = acc;
    }
  }
  return logits;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function randomInput(shape: [number, number, number, number], seed: number): NchwTensor {
  const rng = new Rng(seed);
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal());
  return { shape, data };
}
