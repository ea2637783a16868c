import type { Architecture, BlockSpec } from '../arch/arch-spec';
import { tf } from '../compute/tf';
import { floatData, type StateDict } from '../tensor/host-tensor';
import { validateStateDict } from '../weights/state-dict-layout';
import { groupedConvBiasRelu } from './grouped-conv';
import { oihwToHwio, transposeMatrix } from './layout';

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
    private readonly linearWeight: tf.Tensor2D,
    private readonly linearBias: tf.Tensor1D,
  ) {}

  /** Builds the model from an official deploy state dict (`rbr_reparam` keys). */
  static fromStateDict(arch: Architecture, deploySd: StateDict): DeployModel {
    const sd = validateStateDict(arch, deploySd, 'deploy');
    const layers = arch.blocks.map((spec) => {
      const key = `${spec.prefix}.rbr_reparam.weight`;
      const hwio = oihwToHwio({ shape: sd.get(key)?.shape ?? [], data: floatData(sd, key) });
      return {
        spec,
        weight: tf.tensor4d(hwio.data, hwio.shape as [number, number, number, number]),
        bias: tf.tensor1d(floatData(sd, `${spec.prefix}.rbr_reparam.bias`)),
      };
    });
    const linear = transposeMatrix({
      shape: sd.get('linear.weight')?.shape ?? [],
      data: floatData(sd, 'linear.weight'),
    });
    return new DeployModel(
      arch,
      layers,
      tf.tensor2d(linear.data, linear.shape as [number, number]),
      tf.tensor1d(floatData(sd, 'linear.bias')),
    );
  }

  /** Logits for an NHWC batch. */
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) {
        h = groupedConvBiasRelu(h, l.weight, l.bias, l.spec.stride, l.spec.groups);
      }
      const pooled = tf.mean<tf.Tensor2D>(h, [1, 2]);
      return tf.fused.matMul({
        a: pooled,
        b: this.linearWeight,
        bias: this.linearBias,
      }) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const l of this.layers) tf.dispose([l.weight, l.bias]);
    tf.dispose([this.linearWeight, this.linearBias]);
  }
}
