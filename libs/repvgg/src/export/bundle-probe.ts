import type { Architecture } from '../arch/arch-spec';
import { tf } from '../compute/tf';
import { DeployModel } from '../graph/deploy-model';
import { TrainModel } from '../graph/train-model';
import type { StateDict } from '../tensor/host-tensor';
import { Rng } from '../tensor/rng';
import { BundleOptionsError } from './bundle.error';
import { ExportRuntimeError } from './export.error';
import { compareLogits, type EquivalenceResult } from './equivalence';
import { runOnnx } from './onnx.runtime';
import { tfjsFileHandler } from './tfjs-file.io';

/** A float32 NCHW batch, the layout of `repvgg infer`'s .npy input and of the ONNX model. */
export interface ProbeBatch {
  readonly shape: readonly [number, number, number, number];
  readonly data: Float32Array;
}

export function seededProbe(
  shape: readonly [number, number, number, number],
  seed: number,
): ProbeBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { shape, data };
}

/** Refuses a probe batch that is not NCHW with the model's input channels. */
export function checkProbe(arch: Architecture, probe: ProbeBatch): void {
  const [n, c, h, w] = probe.shape;
  if (c !== arch.inputChannels || ![n, h, w].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new BundleOptionsError(
      'probeInput',
      `must be NCHW with C = ${arch.inputChannels}, got [${probe.shape.join(', ')}]`,
    );
  }
  if (probe.data.length !== n * c * h * w) {
    throw new BundleOptionsError(
      'probeInput',
      `has ${probe.data.length} values for shape [${probe.shape.join(', ')}]`,
    );
  }
}

export interface ExportEquivalence {
  readonly fused: EquivalenceResult;
  readonly onnx: EquivalenceResult;
  readonly tfjs: EquivalenceResult;
}

interface Predictor {
  predict(x: tf.Tensor4D): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  dispose(): void;
}

async function logitsOf(model: Predictor, x: tf.Tensor4D, what: string): Promise<Float32Array> {
  try {
    const y = model.predict(x);
    if (!(y instanceof tf.Tensor))
      throw new ExportRuntimeError(what, 'returned more than one output');
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  } finally {
    model.dispose();
  }
}

/**
 * Runs the probe batch through the multi-branch training graph (BN in inference mode: the only
 * mode in which fusion is an identity), the fused tfjs graph, the ONNX file in onnxruntime and the
 * exported tfjs GraphModel read back from disk, and compares each with the multi-branch logits.
 */
export async function measureExportEquivalence(
  arch: Architecture,
  trainSd: StateDict,
  deploySd: StateDict,
  onnxModel: Uint8Array,
  tfjsModelJsonPath: string,
  probe: ProbeBatch,
): Promise<ExportEquivalence> {
  // A backend registered with a higher priority (wasm) only becomes usable once initialized.
  await tf.ready();
  const x = tf.tidy(() =>
    tf.tensor4d(probe.data, [...probe.shape]).transpose<tf.Tensor4D>([0, 2, 3, 1]),
  );
  try {
    const reference = await logitsOf(
      TrainModel.fromStateDict(arch, trainSd),
      x,
      'multi-branch model',
    );
    const fused = await logitsOf(DeployModel.fromStateDict(arch, deploySd), x, 'fused model');
    const graph = await tf.loadGraphModel(tfjsFileHandler(tfjsModelJsonPath));
    const tfjs = await logitsOf(graph, x, 'tfjs GraphModel');
    const onnx = await runOnnx(onnxModel, probe);
    return {
      fused: compareLogits(reference, fused),
      onnx: compareLogits(reference, onnx.data),
      tfjs: compareLogits(reference, tfjs),
    };
  } finally {
    x.dispose();
  }
}
