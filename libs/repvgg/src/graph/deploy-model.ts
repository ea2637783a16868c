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

interface FusedLayer {
  readonly spec: BlockSpec;
  /** The layer's kernel and bias already split by group, in tfjs's HWIO layout. */
  readonly groups: readonly ConvBiasGroup[];
  /** The kernel's Winograd transform, made at load where winogradApplies (stride 1, ungrouped, wasm). */
  readonly winograd: WinogradFilter | undefined;
}

/**
 * The fused single-branch RepVGG: 3×3 conv + bias + ReLU per block, global pool, linear. Stride-1
 * layers run as Winograd F(2×2, 3×3) on wasm (winograd.wat), the rest as XNNPACK's FusedConv2D.
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
      const groups = splitConvBiasGroups(
        hwioKernel(sd, `${spec.prefix}.rbr_reparam.weight`),
        tf.tensor1d(floatData(sd, `${spec.prefix}.rbr_reparam.bias`)),
        spec.groups,
      );
      const only = groups.length === 1 ? groups[0] : undefined;
      const winograd =
        only !== undefined && winogradApplies(only.weight.shape, spec.stride)
          ? winogradFilter(only.weight)
          : undefined;
      return { spec, groups, winograd };
    });
    return new DeployModel(arch, layers, loadClassifier(sd));
  }

  /** Logits for an NHWC batch. */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) {
        const [first] = l.groups;
        h =
          l.winograd !== undefined && winogradApplies(first.weight.shape, l.spec.stride)
            ? winogradConv2d(h, l.winograd, first.bias, true)
            : groupedConvBiasRelu(h, l.groups, l.spec.stride);
      }
      return classify(h, this.classifier);
    });
  }

  dispose(): void {
    for (const g of this.layers.flatMap((l) => l.groups)) tf.dispose([g.weight, g.bias]);
    for (const l of this.layers) l.winograd?.u.dispose();
    tf.dispose([this.classifier.weight, this.classifier.bias]);
  }
}
