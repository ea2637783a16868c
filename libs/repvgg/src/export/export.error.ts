/** An inference runtime (onnxruntime, tfjs) returned something other than one logits tensor. */
export class ExportRuntimeError extends Error {
  override readonly name = 'ExportRuntimeError';

  constructor(
    readonly runtime: string,
    readonly problem: string,
  ) {
    super(`${runtime} ${problem}; the exported model is malformed: report the architecture`);
  }
}
