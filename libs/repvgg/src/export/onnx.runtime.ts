import { ExportRuntimeError } from './export.error';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './onnx.export';

/**
 * Runs an exported model in onnxruntime (CPU) on one NCHW float32 batch; returns the logits.
 * onnxruntime is loaded on first use so that importing the library does not load its native
 * binary into every process (coordinator, workers) that never runs ONNX.
 */
export async function runOnnx(
  model: Uint8Array,
  input: { readonly shape: readonly number[]; readonly data: Float32Array },
): Promise<{ shape: number[]; data: Float32Array }> {
  const { InferenceSession, Tensor } = await import('onnxruntime-node');
  const session = await InferenceSession.create(model);
  try {
    const feeds = { [ONNX_INPUT_NAME]: new Tensor('float32', input.data, [...input.shape]) };
    const results = await session.run(feeds);
    const out = ONNX_OUTPUT_NAME in results ? results[ONNX_OUTPUT_NAME] : undefined;
    if (out?.type !== 'float32') {
      throw new ExportRuntimeError(
        'onnxruntime',
        `returned no float32 '${ONNX_OUTPUT_NAME}' output`,
      );
    }
    return { shape: out.dims.map(Number), data: out.data as Float32Array };
  } finally {
    await session.release();
  }
}
