import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { tf } from '../compute/tf';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';
import { classify, loadClassifier, type Classifier } from './classifier-head';
import { hwioKernel } from './hwio-kernel';
import { groupedConvBiasRelu } from './grouped-conv';

interface FusedLayer {
  readonly spec: BlockSpec;
  readonly weight: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** The fused single-branch RepVGG: 3×3 conv + bias + ReLU per block, global pool, linear. */
export class DeployModel {
  private constructor(
    readonly arch: Architecture,
    private readonly layers: readonly FusedLayer[],
    private readonly classifier: Classifier,
  ) {}

  /** Builds the model from an official deploy state dict (`rbr_reparam` keys). */
  static fromStateDict(arch: Architecture, deploySd: StateDict): DeployModel {
    const sd = validateStateDict(arch, deploySd, 'deploy');
    const layers = arch.blocks.map((spec) => ({
      spec,
      weight: hwioKernel(sd, `${spec.prefix}.rbr_reparam.weight`),
      bias: tf.tensor1d(floatData(sd, `${spec.prefix}.rbr_reparam.bias`)),
    }));
    return new DeployModel(arch, layers, loadClassifier(sd));
  }

  /** Logits for an NHWC batch. */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) {
        h = groupedConvBiasRelu(h, l.weight, l.bias, l.spec.stride, l.spec.groups);
      }
      return classify(h, this.classifier);
    });
  }

  dispose(): void {
    for (const l of this.layers) tf.dispose([l.weight, l.bias]);
    tf.dispose([this.classifier.weight, this.classifier.bias]);
  }
}
