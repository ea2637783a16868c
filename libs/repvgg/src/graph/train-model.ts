import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { addRelu, batchNormTrain } from '../compute/ops/batch-norm-train.op';
import { tf } from '../compute/tf';
import { BN_EPS } from '../reparam/reparameterize';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { expectedShapes, validateStateDict } from '../weights/state-dict-layout';
import { groupedConv2d, PAD_3X3 } from './grouped-conv';
import { hwioToOihw, oihwToHwio, transposeMatrix, type Float32HostTensor } from './layout';

/** Batch statistics of one BatchNorm in a training forward pass. */
export interface BnBatchStats {
  readonly mean: tf.Tensor1D;
  /** Biased batch variance, the one the forward pass normalized with. */
  readonly variance: tf.Tensor1D;
}

interface BatchNorm {
  /** Official key prefix, e.g. `stage1.0.rbr_dense.bn` or `stage1.1.rbr_identity`. */
  readonly prefix: string;
  readonly gamma: tf.Variable<tf.Rank.R1>;
  readonly beta: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
  readonly numBatchesTracked: bigint;
}

interface ConvBn {
  /** Official key of the conv weight; the variable holds it as HWIO. */
  readonly key: string;
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bn: BatchNorm;
}

interface Block {
  readonly spec: BlockSpec;
  readonly dense: ConvBn;
  readonly oneByOne: ConvBn;
  readonly identity: BatchNorm | undefined;
}

/**
 * The multi-branch RepVGG training graph as a functional forward over tf.Variables keyed by the
 * official state-dict names. Variables hold tfjs layouts (HWIO kernels, [in, out] linear weight),
 * so a step never transposes; `toStateDict` converts back to PyTorch layouts.
 */
export class TrainModel {
  private constructor(
    readonly arch: Architecture,
    private readonly blocks: readonly Block[],
    private readonly linearWeight: tf.Variable<tf.Rank.R2>,
    private readonly linearBias: tf.Variable<tf.Rank.R1>,
  ) {}

  /** Builds the graph from an official training state dict (a `module.` prefix is accepted). */
  static fromStateDict(arch: Architecture, sd: StateDict): TrainModel {
    const weights = validateStateDict(arch, sd, 'train');
    const blocks = arch.blocks.map((spec) => ({
      spec,
      dense: convBn(weights, `${spec.prefix}.rbr_dense`),
      oneByOne: convBn(weights, `${spec.prefix}.rbr_1x1`),
      identity: spec.hasIdentity ? batchNorm(weights, `${spec.prefix}.rbr_identity`) : undefined,
    }));
    const linear = transposeMatrix(hostOf(weights, 'linear.weight'));
    return new TrainModel(
      arch,
      blocks,
      tf.variable(tf.tensor2d(linear.data, linear.shape as [number, number])),
      tf.variable(tf.tensor1d(floatData(weights, 'linear.bias'))),
    );
  }

  /** Logits with BatchNorm in inference mode (running statistics). */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const b of this.blocks) {
        const s = b.spec;
        const terms = [
          inferenceBn(groupedConv2d(h, b.dense.weight, s.stride, PAD_3X3, s.groups), b.dense.bn),
          inferenceBn(
            groupedConv2d(h, b.oneByOne.weight, s.stride, 'valid', s.groups),
            b.oneByOne.bn,
          ),
        ];
        if (b.identity !== undefined) terms.push(inferenceBn(h, b.identity));
        h = tf.relu(tf.addN(terms));
      }
      return this.head(h);
    });
  }

  /**
   * Logits with BatchNorm in training mode (batch statistics), and those statistics keyed by BN
   * prefix. Differentiable w.r.t. `trainableVariables()`; the running statistics are left to the
   * caller (PyTorch's momentum update needs the unbiased variance and the replica mean).
   */
  forwardTrain(x: tf.Tensor4D): { logits: tf.Tensor2D; bnStats: Map<string, BnBatchStats> } {
    const bnStats = new Map<string, BnBatchStats>();
    const bn = (t: tf.Tensor4D, p: BatchNorm): tf.Tensor4D => {
      const r = batchNormTrain(t, p.gamma, p.beta, BN_EPS);
      bnStats.set(p.prefix, { mean: r.mean, variance: r.variance });
      return r.y;
    };
    let h = x;
    for (const b of this.blocks) {
      const s = b.spec;
      const terms = [
        bn(groupedConv2d(h, b.dense.weight, s.stride, PAD_3X3, s.groups), b.dense.bn),
        bn(groupedConv2d(h, b.oneByOne.weight, s.stride, 'valid', s.groups), b.oneByOne.bn),
      ];
      if (b.identity !== undefined) terms.push(bn(h, b.identity));
      h = addRelu(terms);
    }
    return { logits: this.head(h), bnStats };
  }

  /** Trainable tensors under their official keys, in state-dict order. */
  trainableVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const addBn = (p: BatchNorm): void => {
      out.set(`${p.prefix}.weight`, p.gamma);
      out.set(`${p.prefix}.bias`, p.beta);
    };
    for (const b of this.blocks) {
      if (b.identity !== undefined) addBn(b.identity);
      for (const branch of [b.dense, b.oneByOne]) {
        out.set(branch.key, branch.weight);
        addBn(branch.bn);
      }
    }
    out.set('linear.weight', this.linearWeight);
    out.set('linear.bias', this.linearBias);
    return out;
  }

  /** The official training state dict (PyTorch layouts, official key order), running stats included. */
  toStateDict(): StateDict {
    const values = new Map<string, tf.Tensor>();
    const bns = new Map<string, BatchNorm>();
    for (const b of this.blocks) {
      for (const p of [b.dense.bn, b.oneByOne.bn, b.identity]) if (p) bns.set(p.prefix, p);
    }
    for (const [key, v] of this.trainableVariables()) values.set(key, v);
    for (const p of bns.values()) {
      values.set(`${p.prefix}.running_mean`, p.runningMean);
      values.set(`${p.prefix}.running_var`, p.runningVar);
    }
    const sd: StateDict = new Map();
    for (const [key, shape] of expectedShapes(this.arch, 'train')) {
      if (key.endsWith('.num_batches_tracked')) {
        const prefix = key.slice(0, -'.num_batches_tracked'.length);
        const tracked = bns.get(prefix)?.numBatchesTracked ?? 0n;
        sd.set(key, { dtype: 'int64', shape: [], data: BigInt64Array.of(tracked) });
        continue;
      }
      const t = values.get(key);
      if (t === undefined) throw new Error(`TrainModel has no tensor for ${key}`);
      const host: Float32HostTensor = {
        dtype: 'float32',
        shape: t.shape,
        data: Float32Array.from(t.dataSync() as Float32Array),
      };
      if (key === 'linear.weight') sd.set(key, transposeMatrix(host));
      else if (shape.length === 4) sd.set(key, hwioToOihw(host));
      else sd.set(key, host);
    }
    return sd;
  }

  dispose(): void {
    for (const b of this.blocks) {
      for (const p of [b.dense.bn, b.oneByOne.bn, b.identity]) {
        if (p) tf.dispose([p.gamma, p.beta, p.runningMean, p.runningVar]);
      }
      tf.dispose([b.dense.weight, b.oneByOne.weight]);
    }
    tf.dispose([this.linearWeight, this.linearBias]);
  }

  private head(h: tf.Tensor4D): tf.Tensor2D {
    const pooled = tf.mean<tf.Tensor2D>(h, [1, 2]);
    return tf.fused.matMul({
      a: pooled,
      b: this.linearWeight,
      bias: this.linearBias,
    }) as tf.Tensor2D;
  }
}

function hostOf(sd: StateDict, key: string): { shape: readonly number[]; data: Float32Array } {
  const t = sd.get(key);
  return { shape: t?.shape ?? [], data: floatData(sd, key) };
}

function batchNorm(sd: StateDict, prefix: string): BatchNorm {
  const tracked = sd.get(`${prefix}.num_batches_tracked`);
  return {
    prefix,
    gamma: tf.variable(tf.tensor1d(floatData(sd, `${prefix}.weight`))),
    beta: tf.variable(tf.tensor1d(floatData(sd, `${prefix}.bias`))),
    runningMean: tf.tensor1d(floatData(sd, `${prefix}.running_mean`)),
    runningVar: tf.tensor1d(floatData(sd, `${prefix}.running_var`)),
    numBatchesTracked: tracked?.dtype === 'int64' ? tracked.data[0] : 0n,
  };
}

function convBn(sd: StateDict, branch: string): ConvBn {
  const key = `${branch}.conv.weight`;
  const hwio = oihwToHwio(hostOf(sd, key));
  return {
    key,
    weight: tf.variable(tf.tensor4d(hwio.data, hwio.shape as [number, number, number, number])),
    bn: batchNorm(sd, `${branch}.bn`),
  };
}

function inferenceBn(x: tf.Tensor4D, p: BatchNorm): tf.Tensor4D {
  return tf.batchNorm4d(x, p.runningMean, p.runningVar, p.beta, p.gamma, BN_EPS);
}
