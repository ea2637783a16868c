import type { Architecture } from '@repvgg/core/arch/arch-spec';
import type { ModelKind } from '@repvgg/core/arch/cost';
import type { StateDict } from '@repvgg/core/tensor/host-tensor';

export type Layout = 'NCHW' | 'NHWC';

export interface Batch {
  readonly shape: readonly [number, number, number, number];
  readonly layout: Layout;
  readonly data: Float32Array;
}

export interface Predictor {
  readonly kind: ModelKind;
  /** Logits [N, classes], row-major, computed `batchSize` images at a time. */
  logits(batch: Batch, batchSize: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * The multi-branch model (BN in inference mode) for training weights, the fused single-branch
 * model for deploy weights. tfjs is loaded here, on first use, not at CLI startup.
 */
export async function loadPredictor(
  arch: Architecture,
  kind: ModelKind,
  sd: StateDict,
): Promise<Predictor> {
  const { tf } = await import('@repvgg/core/compute/tf');
  const model =
    kind === 'train'
      ? (await import('@repvgg/core/graph/train-model')).TrainModel.fromStateDict(arch, sd)
      : (await import('@repvgg/core/graph/deploy-model')).DeployModel.fromStateDict(arch, sd);
  const classes = arch.head.numClasses;
  return {
    kind,
    async logits(batch, batchSize) {
      const [n, d1, d2, d3] = batch.shape;
      const perImage = d1 * d2 * d3;
      const out = new Float32Array(n * classes);
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const slice = batch.data.subarray(start * perImage, (start + count) * perImage);
        const y = tf.tidy(() => {
          const x = tf.tensor4d(slice, [count, d1, d2, d3]);
          return model.predict(batch.layout === 'NCHW' ? x.transpose([0, 2, 3, 1]) : x);
        });
        try {
          out.set(await y.data<'float32'>(), start * classes);
        } finally {
          y.dispose();
        }
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}
