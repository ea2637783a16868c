/**
 * A problem with what the user asked for (a path, a flag, an input). The CLI prints the message as
 * one line and exits with code 2, so every message reads `<what is wrong>; <what to do>`.
 */
export class UsageError extends Error {
  constructor(problem: string, remedy: string) {
    super(`${problem}; ${remedy}`);
    this.name = new.target.name;
  }
}

export class MissingFileError extends UsageError {
  constructor(what: string, path: string) {
    super(`${what} ${path} does not exist`, 'check the path');
  }
}

export class MissingArchError extends UsageError {
  constructor() {
    super(
      'no architecture given',
      'pass --arch NAME (e.g. RepVGG-A0) or --arch-file FILE with a custom architecture',
    );
  }
}

export class InputShapeError extends UsageError {
  constructor(shape: readonly number[], channels: number) {
    super(
      `input has shape [${shape.join(', ')}] but the model needs NCHW [N, ${channels}, H, W] with N, H, W >= 1`,
      `save the batch as a 4-D float32 array with ${channels} channels on axis 1`,
    );
  }
}

export class ImageDecodeError extends UsageError {
  constructor(path: string, reason: string) {
    super(
      `cannot decode image ${path} (${reason})`,
      'pass a JPEG, PNG, WebP, GIF, AVIF or TIFF file',
    );
  }
}

export class CheckpointKindError extends UsageError {
  constructor(path: string, found: string, needed: string) {
    super(
      `${path} holds ${found} weights but this command needs ${needed} weights`,
      needed === 'training'
        ? 'pass the multi-branch training checkpoint (keys like stage0.rbr_dense.conv.weight)'
        : 'pass a deploy checkpoint or bundle',
    );
  }
}
