import type { BlockSpec } from '../arch/arch-spec';
import { addRelu, batchNormTrain } from '../compute/ops/batch-norm-train.op';
import {
  winogradConv2dTrainable,
  winogradTrainApplies,
} from '../compute/ops/winograd-conv-train.op';
import { tf } from '../compute/tf';
import { BN_EPS } from '../reparam/reparameterize';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { hwioKernel } from './hwio-kernel';
import { groupedConv2d, PAD_3X3 } from './grouped-conv';
import { inferenceConv3x3, type WinogradFilterCache } from './winograd-filters';

/** Batch statistics of one BatchNorm in a training forward pass. */
export interface BnBatchStats {
  readonly mean: tf.Tensor1D;
  /** Biased batch variance, the one the forward pass normalized with. */
  readonly variance: tf.Tensor1D;
}

export interface BatchNormParams {
  /** Official key prefix, e.g. `stage1.0.rbr_dense.bn` or `stage1.1.rbr_identity`. */
  readonly prefix: string;
  readonly gamma: tf.Variable<tf.Rank.R1>;
  readonly beta: tf.Variable<tf.Rank.R1>;
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
  readonly numBatchesTracked: bigint;
}

export interface ConvBnParams {
  /** Official key of the conv weight; the variable holds it as HWIO. */
  readonly key: string;
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bn: BatchNormParams;
}

/** One multi-branch block: ReLU(BN(conv3×3 x) + BN(conv1×1 x) [+ BN(x)]). */
export interface TrainBlock {
  readonly spec: BlockSpec;
  readonly dense: ConvBnParams;
  readonly oneByOne: ConvBnParams;
  readonly identity: BatchNormParams | undefined;
}

/** The block's variables from an official (validated) training state dict. */
export function loadTrainBlock(sd: StateDict, spec: BlockSpec): TrainBlock {
  return {
    spec,
    dense: convBn(sd, `${spec.prefix}.rbr_dense`),
    oneByOne: convBn(sd, `${spec.prefix}.rbr_1x1`),
    identity: spec.hasIdentity ? batchNorm(sd, `${spec.prefix}.rbr_identity`) : undefined,
  };
}

/** The block's BatchNorms in official key order. */
export function blockBatchNorms(b: TrainBlock): BatchNormParams[] {
  return b.identity === undefined
    ? [b.dense.bn, b.oneByOne.bn]
    : [b.identity, b.dense.bn, b.oneByOne.bn];
}

export function disposeTrainBlock(b: TrainBlock): void {
  for (const p of blockBatchNorms(b)) tf.dispose([p.gamma, p.beta, p.runningMean, p.runningVar]);
  tf.dispose([b.dense.weight, b.oneByOne.weight]);
}

/**
 * What a training forward reads each trainable variable through, by its official key: e.g. an
 * identity whose gradient hands the parameter's finished gradient on during backward. The default
 * reads the variable itself.
 */
export type ParamTap = <R extends tf.Rank>(key: string, v: tf.Tensor<R>) => tf.Tensor<R>;

export const untapped: ParamTap = (_key, v) => v;

/**
 * Training mode: every BN normalizes with its batch statistics, reported through `onStats`. The 3×3
 * branch runs as Winograd where winogradTrainApplies (stride 1 on wasm, maps of 8 × 8 and more),
 * else tfjs's convolution.
 */
export function trainBlockForward(
  x: tf.Tensor4D,
  b: TrainBlock,
  onStats: (prefix: string, stats: BnBatchStats) => void,
  tap: ParamTap = untapped,
): tf.Tensor4D {
  const bn = (t: tf.Tensor4D, p: BatchNormParams): tf.Tensor4D => {
    const gamma = tap(`${p.prefix}.weight`, p.gamma);
    const r = batchNormTrain(t, gamma, tap(`${p.prefix}.bias`, p.beta), BN_EPS);
    onStats(p.prefix, { mean: r.mean, variance: r.variance });
    return r.y;
  };
  const s = b.spec;
  const dense = tap(b.dense.key, b.dense.weight);
  const terms = [
    bn(
      winogradTrainApplies(x.shape, dense.shape, s.stride, s.groups)
        ? winogradConv2dTrainable(x, dense)
        : groupedConv2d(x, dense, s.stride, PAD_3X3, s.groups),
      b.dense.bn,
    ),
    bn(
      groupedConv2d(x, tap(b.oneByOne.key, b.oneByOne.weight), s.stride, 'valid', s.groups),
      b.oneByOne.bn,
    ),
  ];
  if (b.identity !== undefined) terms.push(bn(x, b.identity));
  return addRelu(terms);
}

/** Inference mode: every BN uses its running statistics. */
export function trainBlockPredict(
  x: tf.Tensor4D,
  b: TrainBlock,
  filters: WinogradFilterCache,
): tf.Tensor4D {
  const s = b.spec;
  const terms = [
    inferenceBn(inferenceConv3x3(x, b.dense.weight, s.stride, s.groups, filters), b.dense.bn),
    inferenceBn(groupedConv2d(x, b.oneByOne.weight, s.stride, 'valid', s.groups), b.oneByOne.bn),
  ];
  if (b.identity !== undefined) terms.push(inferenceBn(x, b.identity));
  return tf.relu(tf.addN(terms));
}

function batchNorm(sd: StateDict, prefix: string): BatchNormParams {
  const tracked = sd.get(`${prefix}.num_batches_tracked`);
  return {
    prefix,
    gamma: variableOf(tf.tensor1d(floatData(sd, `${prefix}.weight`))),
    beta: variableOf(tf.tensor1d(floatData(sd, `${prefix}.bias`))),
    runningMean: tf.tensor1d(floatData(sd, `${prefix}.running_mean`)),
    runningVar: tf.tensor1d(floatData(sd, `${prefix}.running_var`)),
    numBatchesTracked: tracked?.dtype === 'int64' ? tracked.data[0] : 0n,
  };
}

function convBn(sd: StateDict, branch: string): ConvBnParams {
  const key = `${branch}.conv.weight`;
  return {
    key,
    weight: variableOf(hwioKernel(sd, key)),
    bn: batchNorm(sd, `${branch}.bn`),
  };
}

/** A variable holding `t`'s values; `t` itself is released (tf.variable keeps its own reference). */
export function variableOf<R extends tf.Rank>(t: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

function inferenceBn(x: tf.Tensor4D, p: BatchNormParams): tf.Tensor4D {
  return tf.batchNorm4d(x, p.runningMean, p.runningVar, p.beta, p.gamma, BN_EPS);
}
