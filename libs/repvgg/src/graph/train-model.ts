import type { Architecture } from '../arch/arch-spec';
import { tf } from '../compute/tf';
import type { StateDict } from '../tensor/host-tensor';
import { expectedShapes, validateStateDict } from '../weights/state-dict-layout';
import { classify, loadClassifier } from './classifier-head';
import { hwioToOihw, transposeMatrix, type Float32HostTensor } from './layout';
import { WinogradFilterCache } from './winograd-filters';
import {
  blockBatchNorms,
  disposeTrainBlock,
  loadTrainBlock,
  variableOf,
  trainBlockForward,
  trainBlockPredict,
  untapped,
  type BatchNormParams,
  type BnBatchStats,
  type ParamTap,
  type TrainBlock,
} from './train-block';

export type { BnBatchStats, ParamTap } from './train-block';

const NUM_BATCHES_TRACKED = '.num_batches_tracked';

/**
 * The multi-branch RepVGG training graph as a functional forward over tf.Variables keyed by the
 * official state-dict names. Variables hold tfjs layouts (HWIO kernels, [in, out] linear weight),
 * so a step never transposes; `toStateDict` converts back to PyTorch layouts.
 */
export class TrainModel {
  /** The 3×3 kernels' Winograd transforms for `predict`, remade when a kernel is assigned. */
  private readonly filters = new WinogradFilterCache();

  private constructor(
    readonly arch: Architecture,
    private readonly blocks: readonly TrainBlock[],
    private readonly linear: {
      readonly weight: tf.Variable<tf.Rank.R2>;
      readonly bias: tf.Variable<tf.Rank.R1>;
    },
  ) {}

  /** Builds the graph from an official training state dict (a `module.` prefix is accepted). */
  static fromStateDict(arch: Architecture, sd: StateDict): TrainModel {
    const weights = validateStateDict(arch, sd, 'train');
    const linear = loadClassifier(weights);
    return new TrainModel(
      arch,
      arch.blocks.map((spec) => loadTrainBlock(weights, spec)),
      { weight: variableOf(linear.weight), bias: variableOf(linear.bias) },
    );
  }

  /** Logits with BatchNorm in inference mode (running statistics). */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() =>
      this.head(this.blocks.reduce((h, b) => trainBlockPredict(h, b, this.filters), x)),
    );
  }

  /**
   * Logits with BatchNorm in training mode (batch statistics), and those statistics keyed by BN
   * prefix. Differentiable w.r.t. `trainableVariables()`; the running statistics are left to the
   * caller (PyTorch's momentum update needs the unbiased variance and the replica mean). Every
   * trainable variable is read through `tap` under its key.
   */
  forwardTrain(
    x: tf.Tensor4D,
    tap: ParamTap = untapped,
  ): { logits: tf.Tensor2D; bnStats: Map<string, BnBatchStats> } {
    const bnStats = new Map<string, BnBatchStats>();
    const onStats = (prefix: string, s: BnBatchStats): void => {
      bnStats.set(prefix, s);
    };
    const h = this.blocks.reduce((acc, b) => trainBlockForward(acc, b, onStats, tap), x);
    const { weight, bias } = this.linear;
    return {
      logits: classify(h, {
        weight: tap('linear.weight', weight),
        bias: tap('linear.bias', bias),
      }),
      bnStats,
    };
  }

  /** Trainable tensors under their official keys, in state-dict order. */
  trainableVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const b of this.blocks) {
      for (const p of blockBatchNorms(b)) {
        if (p === b.dense.bn) out.set(b.dense.key, b.dense.weight);
        if (p === b.oneByOne.bn) out.set(b.oneByOne.key, b.oneByOne.weight);
        out.set(`${p.prefix}.weight`, p.gamma);
        out.set(`${p.prefix}.bias`, p.beta);
      }
    }
    out.set('linear.weight', this.linear.weight);
    out.set('linear.bias', this.linear.bias);
    return out;
  }

  /** The official training state dict (PyTorch layouts and key order), running stats included. */
  toStateDict(): StateDict {
    const values = new Map<string, tf.Tensor>(this.trainableVariables());
    const bns = new Map<string, BatchNormParams>();
    for (const p of this.blocks.flatMap(blockBatchNorms)) {
      bns.set(p.prefix, p);
      values.set(`${p.prefix}.running_mean`, p.runningMean);
      values.set(`${p.prefix}.running_var`, p.runningVar);
    }
    const sd: StateDict = new Map();
    for (const [key, shape] of expectedShapes(this.arch, 'train')) {
      if (key.endsWith(NUM_BATCHES_TRACKED)) {
        const tracked = bns.get(key.slice(0, -NUM_BATCHES_TRACKED.length))?.numBatchesTracked;
        sd.set(key, { dtype: 'int64', shape: [], data: BigInt64Array.of(tracked ?? 0n) });
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
    for (const b of this.blocks) disposeTrainBlock(b);
    this.filters.dispose();
    tf.dispose([this.linear.weight, this.linear.bias]);
  }

  private head(h: tf.Tensor4D): tf.Tensor2D {
    return classify(h, this.linear);
  }
}
