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

  it('moves running stats by the mean of the micro-batch stats (unbiased) and keeps tensors flat', () => {
    const model = new TinyModel(13);
    const state = TrainState.create(model, runningSd(), {
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    });
    const replicas = batches(2, 8, 9);
    const packet = computeGradients(model, replicas, geometry);
    const mean0 = tf.tidy(() => {
      const x = tf.tensor4d(replicas[0]?.images ?? new Float32Array(), [8, 5, 5, 2]);
      const { bnStats } = model.forwardTrain(x);
      return bnStats.get('stage0.rbr_dense.bn')?.mean.dataSync()[0] ?? Number.NaN;
    });
    const mean1 = tf.tidy(() => {
      const x = tf.tensor4d(replicas[1]?.images ?? new Float32Array(), [8, 5, 5, 2]);
      const { bnStats } = model.forwardTrain(x);
      return bnStats.get('stage0.rbr_dense.bn')?.mean.dataSync()[0] ?? Number.NaN;
    });
    const varSum = packet.bnVar.get('stage0.rbr_dense.bn')?.[0] ?? Number.NaN;
    applyGradients(state, packet, { lr: 0.1 });
    const r = state.running.get('stage0.rbr_dense.bn');
    expect(r?.mean[0]).toBeCloseTo(0.1 * ((mean0 + mean1) / 2), 6);
    expect(r?.variance[0]).toBeCloseTo(0.9 + 0.1 * (varSum / 2), 6);
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
