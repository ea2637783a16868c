import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { tf } from '../compute/tf';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';
import { classify, loadClassifier, type Classifier } from './classifier-head';
import { hwioKernel } from './hwio-kernel';
import {
  winogradApplies,
  winogradConv2d,
  winogradFilter,
  type WinogradFilter,
} from '../compute/ops/winograd-conv.op';
import { groupedConvBiasRelu, splitConvBiasGroups, type ConvBiasGroup } from './grouped-conv';

/**
 * A layer as the backend it was loaded on runs it: the kernel's Winograd transform and the bias
 * where winogradApplies (stride 1, wasm), else the kernel and bias split by group in tfjs's HWIO
 * layout for XNNPACK's FusedConv2D.
 */
type FusedLayer =
  | {
      readonly spec: BlockSpec;
      readonly winograd: WinogradFilter;
      readonly bias: tf.Tensor1D;
    }
  | { readonly spec: BlockSpec; readonly groups: readonly ConvBiasGroup[] };

/**
 * The fused single-branch RepVGG: 3×3 conv + bias + ReLU per block, global pool, linear. Stride-1
 * layers run as Winograd F(2×2, 3×3) on wasm (winograd.wat, grouped or not), the rest as XNNPACK's
 * FusedConv2D.
 */
export class DeployModel {
  private constructor(
    readonly arch: Architecture,
    private readonly layers: readonly FusedLayer[],
    private readonly classifier: Classifier,
  ) {}

  /** Builds the model from an official deploy state dict (`rbr_reparam` keys). */
  static fromStateDict(arch: Architecture, deploySd: StateDict): DeployModel {
    const sd = validateStateDict(arch, deploySd, 'deploy');
    const layers = arch.blocks.map((spec): FusedLayer => {
      const weight = hwioKernel(sd, `${spec.prefix}.rbr_reparam.weight`);
      const bias = tf.tensor1d(floatData(sd, `${spec.prefix}.rbr_reparam.bias`));
      if (winogradApplies(weight.shape, spec.stride, spec.groups)) {
        const winograd = winogradFilter(weight, spec.groups);
        weight.dispose();
        return { spec, winograd, bias };
      }
      return { spec, groups: splitConvBiasGroups(weight, bias, spec.groups) };
    });
    return new DeployModel(arch, layers, loadClassifier(sd));
  }

  /**
   * Logits for an NHWC batch, on the backend the model was loaded on (a Winograd layer's kernel
   * exists on wasm only).
   */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) {
        h =
          'winograd' in l
            ? winogradConv2d(h, l.winograd, l.bias, true)
            : groupedConvBiasRelu(h, l.groups, l.spec.stride);
      }
      return classify(h, this.classifier);
    });
  }

  dispose(): void {
    for (const l of this.layers) {
      if ('winograd' in l) tf.dispose([l.winograd.u, l.bias]);
      else for (const g of l.groups) tf.dispose([g.weight, g.bias]);
    }
    tf.dispose([this.classifier.weight, this.classifier.bias]);
  }
}
