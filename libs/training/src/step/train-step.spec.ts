import { describe, it, expect } from 'vitest';
import type { StateDict } from '@repvgg/core';
import { tf } from '@repvgg/core/compute/tf';
import { computeGradients, type StepGeometry } from './compute-gradients';
import { applyGradients } from './apply-gradients';
import { addPacket } from './gradient-packet';
import { TrainState } from './train-state';
import type { BnBatchStats, ReplicaBatch, ReplicaModel } from './replica-model';

/** conv3×3 → BN (batch statistics) → ReLU → global pool → linear: the smallest model with a BN. */
class TinyModel implements ReplicaModel {
  readonly vars = new Map<string, tf.Variable>();

  constructor(seed: number) {
    const v = (key: string, t: tf.Tensor): void => {
      this.vars.set(key, tf.variable(t, true));
    };
    v('stage0.rbr_dense.conv.weight', tf.randomNormal([3, 3, 2, 4], 0, 0.5, 'float32', seed));
    v('stage0.rbr_dense.bn.weight', tf.ones([4]));
    v('stage0.rbr_dense.bn.bias', tf.zeros([4]));
    v('linear.weight', tf.randomNormal([4, 3], 0, 0.5, 'float32', seed + 1));
    v('linear.bias', tf.zeros([3]));
  }

  private p(key: string): tf.Variable {
    const t = this.vars.get(key);
    if (t === undefined) throw new Error(key);
    return t;
  }

  forwardTrain(x: tf.Tensor4D): { logits: tf.Tensor2D; bnStats: Map<string, BnBatchStats> } {
    const y = tf.conv2d(x, this.p('stage0.rbr_dense.conv.weight') as tf.Tensor4D, 1, 'same');
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const bn = y
      .sub(mean)
      .div(variance.add(1e-5).sqrt())
      .mul(this.p('stage0.rbr_dense.bn.weight'))
      .add(this.p('stage0.rbr_dense.bn.bias'));
    const pooled = bn.relu().mean<tf.Tensor2D>([1, 2]);
    const logits = pooled.matMul(this.p('linear.weight') as tf.Tensor2D).add(this.p('linear.bias'));
    const stats = new Map([
      ['stage0.rbr_dense.bn', { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D }],
    ]);
    return { logits: logits as tf.Tensor2D, bnStats: stats };
  }

  trainableVariables(): Map<string, tf.Variable> {
    return this.vars;
  }
}

/**
 * The same network in plain float64 loops, written from its definition (NHWC input, HWIO 3×3 kernel,
 * zero "same" padding, BN on the batch's biased statistics, ReLU, spatial mean, linear) — independent
 * of tfjs and of the code under test, so it can check both the BN statistics and the gradients.
 */
interface Params {
  conv: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  linW: Float64Array;
  linB: Float64Array;
}
const CIN = 2;
const COUT = 4;
const K = 3;

function paramsOf(model: TinyModel): Params {
  const read = (key: string): Float64Array =>
    Float64Array.from(model.vars.get(key)?.dataSync() ?? []);
  return {
    conv: read('stage0.rbr_dense.conv.weight'),
    gamma: read('stage0.rbr_dense.bn.weight'),
    beta: read('stage0.rbr_dense.bn.bias'),
    linW: read('linear.weight'),
    linB: read('linear.bias'),
  };
}

/** Conv output [n, h, w, COUT] and its per-channel batch mean and biased variance. */
function convAndStats(
  p: Params,
  mb: ReplicaBatch,
): { y: Float64Array; mean: number[]; variance: number[] } {
  const [n, h, w] = mb.shape;
  const y = new Float64Array(n * h * w * COUT);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let co = 0; co < COUT; co++) {
          let acc = 0;
          for (let ky = 0; ky < K; ky++)
            for (let kx = 0; kx < K; kx++) {
              const yi = i + ky - 1;
              const xj = j + kx - 1;
              if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
              for (let ci = 0; ci < CIN; ci++) {
                acc +=
                  (mb.images[((b * h + yi) * w + xj) * CIN + ci] ?? 0) *
                  (p.conv[((ky * K + kx) * CIN + ci) * COUT + co] ?? 0);
              }
            }
          y[((b * h + i) * w + j) * COUT + co] = acc;
        }
  const count = n * h * w;
  const mean = Array.from({ length: COUT }, (_, c) => {
    let sum = 0;
    for (let q = 0; q < count; q++) sum += y[q * COUT + c] ?? 0;
    return sum / count;
  });
  const variance = mean.map((m, c) => {
    let sum = 0;
    for (let q = 0; q < count; q++) sum += ((y[q * COUT + c] ?? 0) - m) ** 2;
    return sum / count;
  });
  return { y, mean, variance };
}

/** Σ over the replica of the label-smoothed cross-entropy (PyTorch's `label_smoothing=ε`). */
function lossSum(p: Params, mb: ReplicaBatch, labelSmoothing: number): number {
  const [n, h, w] = mb.shape;
  const classes = p.linB.length;
  const { y, mean, variance } = convAndStats(p, mb);
  let total = 0;
  for (let b = 0; b < n; b++) {
    const pooled = new Float64Array(COUT);
    for (let q = 0; q < h * w; q++)
      for (let c = 0; c < COUT; c++) {
        const v = y[(b * h * w + q) * COUT + c] ?? 0;
        const bn =
          ((v - (mean[c] ?? 0)) / Math.sqrt((variance[c] ?? 0) + 1e-5)) * (p.gamma[c] ?? 0) +
          (p.beta[c] ?? 0);
        pooled[c] = (pooled[c] ?? 0) + Math.max(bn, 0) / (h * w);
      }
    const logits = Array.from({ length: classes }, (_, k) => {
      let z = p.linB[k] ?? 0;
      for (let c = 0; c < COUT; c++) z += (pooled[c] ?? 0) * (p.linW[c * classes + k] ?? 0);
      return z;
    });
    const top = Math.max(...logits);
    const logZ = top + Math.log(logits.reduce((acc, z) => acc + Math.exp(z - top), 0));
    logits.forEach((z, k) => {
      const target = (k === mb.labels[b] ? 1 - labelSmoothing : 0) + labelSmoothing / classes;
      total -= target * (z - logZ);
    });
  }
  return total;
}

const runningSd = (): StateDict =>
  new Map([
    [
      'stage0.rbr_dense.bn.running_mean',
      { dtype: 'float32', shape: [4], data: new Float32Array(4) },
    ],
    [
      'stage0.rbr_dense.bn.running_var',
      { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(1) },
    ],
    [
      'stage0.rbr_dense.bn.num_batches_tracked',
      { dtype: 'int64', shape: [], data: new BigInt64Array(1) },
    ],
  ]);

function batches(count: number, per: number, seed: number): ReplicaBatch[] {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return Array.from({ length: count }, () => ({
    images: Float32Array.from({ length: per * 5 * 5 * 2 }, rnd),
    shape: [per, 5, 5, 2] as const,
    labels: Int32Array.from({ length: per }, (_, i) => i % 3),
  }));
}

const geometry: StepGeometry = {
  globalBatch: 16,
  labelSmoothing: 0.1,
  bnSpatial: new Map([['stage0.rbr_dense.bn', 25]]),
};

describe('computeGradients / applyGradients', () => {
  it('gives the same packet for V=4 in one call as 2+2 computed apart and summed', () => {
    const model = new TinyModel(7);
    const replicas = batches(4, 4, 3);
    const whole = computeGradients(model, replicas, geometry);
    const split = addPacket(
      computeGradients(model, replicas.slice(0, 2), geometry),
      computeGradients(model, replicas.slice(2), geometry),
    );
    expect(split.replicas).toBe(4);
    expect(split.samples).toBe(16);
    expect(split.lossSum).toBeCloseTo(whole.lossSum, 4);
    for (const [key, g] of whole.grads) {
      const other = split.grads.get(key) ?? new Float32Array();
      g.forEach((v, i) => {
        expect(Math.abs(v - (other[i] ?? Number.NaN))).toBeLessThan(1e-6);
      });
    }
    for (const [key, m] of whole.bnVar) {
      const other = split.bnVar.get(key) ?? new Float32Array();
      m.forEach((v, i) => {
        expect(other[i]).toBeCloseTo(v, 5);
      });
    }
    tf.dispose([...model.vars.values()]);
  });

  it('equals the gradient of the mean loss over the global batch when V=1', () => {
    const model = new TinyModel(11);
    const mb = batches(1, 16, 5)[0];
    const packet = computeGradients(model, [mb], { ...geometry, labelSmoothing: 0 });
    const vars = [...model.vars.values()];
    const expected = tf.tidy(() => {
      const x = tf.tensor4d(mb.images, [...mb.shape]);
      const y = tf.oneHot(tf.tensor1d(mb.labels, 'int32'), 3);
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, model.forwardTrain(x).logits),
        vars,
      );
      return grads;
    });
    const w = model.vars.get('linear.weight');
    if (w === undefined) throw new Error('no linear.weight');
    const exp = expected[w.name].dataSync();
    const got = packet.grads.get('linear.weight') ?? new Float32Array();
    exp.forEach((v, i) => {
      expect(got[i]).toBeCloseTo(v, 5);
    });
    tf.dispose([...Object.values(expected), ...vars]);
  });

  it('gives the conv weight gradient of the step loss, checked against float64 finite differences', () => {
    // Two replicas, each with its own BN batch statistics, label smoothing, Σloss/globalBatch.
    const model = new TinyModel(17);
    const replicas = batches(2, 8, 21);
    const packet = computeGradients(model, replicas, geometry);
    const p = paramsOf(model);
    const stepLoss = (): number =>
      replicas.reduce((acc, mb) => acc + lossSum(p, mb, geometry.labelSmoothing), 0) /
      geometry.globalBatch;
    expect(packet.lossSum).toBeCloseTo(stepLoss() * geometry.globalBatch, 4);

    const got = packet.grads.get('stage0.rbr_dense.conv.weight') ?? new Float32Array();
    expect(got).toHaveLength(p.conv.length);
    const h = 1e-6;
    const expected = Array.from(p.conv, (w0, i) => {
      p.conv[i] = w0 + h;
      const up = stepLoss();
      p.conv[i] = w0 - h;
      const down = stepLoss();
      p.conv[i] = w0;
      return (up - down) / (2 * h);
    });
    // tfjs's float32 and these float64 differences agree to ~1e-9 here; 1e-4 of the largest component
    // leaves room for float32 rounding and still catches a wrong factor or a missing term.
    const scale = Math.max(...expected.map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    expected.forEach((g, i) => {
      expect(Math.abs((got[i] ?? Number.NaN) - g), `conv.weight[${i}]`).toBeLessThan(1e-4 * scale);
    });
    tf.dispose([...model.vars.values()]);
  });

  it('moves running stats by the mean of the micro-batch stats (unbiased) and keeps tensors flat', () => {
    const model = new TinyModel(13);
    const state = TrainState.create(model, runningSd(), {
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    });
    const replicas = batches(2, 8, 9);
    const packet = computeGradients(model, replicas, geometry);
    // PyTorch: running = 0.9·running + 0.1·batch, the batch variance unbiased by n/(n−1) with n = N·H·W
    // per replica, and the batch statistic here the mean over the two replicas.
    const stats = replicas.map((mb) => convAndStats(paramsOf(model), mb));
    const n = 8 * 5 * 5;
    applyGradients(state, packet, { lr: 0.1 });
    const r = state.running.get('stage0.rbr_dense.bn');
    for (let c = 0; c < COUT; c++) {
      const batchMean = stats.reduce((acc, st) => acc + (st.mean[c] ?? 0), 0) / stats.length;
      const batchVar =
        stats.reduce((acc, st) => acc + ((st.variance[c] ?? 0) * n) / (n - 1), 0) / stats.length;
      // Leaving out n/(n−1) moves the running variance by ~1.3e-4 here: the bound is 25× finer.
      expect(Math.abs((r?.mean[c] ?? Number.NaN) - 0.1 * batchMean), `mean[${c}]`).toBeLessThan(
        5e-6,
      );
      expect(
        Math.abs((r?.variance[c] ?? Number.NaN) - (0.9 + 0.1 * batchVar)),
        `var[${c}]`,
      ).toBeLessThan(5e-6);
    }
    expect(r?.tracked).toBe(1n);
    expect(state.step).toBe(1);

    state.syncTo(model);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      applyGradients(state, computeGradients(model, replicas, geometry), {
        lr: 0.1,
        clipGradNorm: 1,
      });
      state.syncTo(model);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...model.vars.values()]);
  });
});
