/**
 * Base class of every dataset failure. The message reads `<what is wrong>; <what to do>`, the same
 * shape as the CLI's usage errors, so that any front end can show it as one line.
 */
export class DatasetError extends Error {
  constructor(problem: string, remedy: string) {
    super(`${problem}; ${remedy}`);
    this.name = new.target.name;
  }
}

export class DatasetNotFoundError extends DatasetError {
  constructor(
    readonly path: string,
    remedy: string,
  ) {
    super(`dataset not found at ${path}`, remedy);
  }
}

export class EmptyDatasetError extends DatasetError {
  constructor(readonly path: string) {
    super(
      `dataset at ${path} has no images`,
      'put JPEG/PNG files in one folder per class (train/<class>/*.jpg)',
    );
  }
}

export class EmptyClassError extends DatasetError {
  constructor(readonly folder: string) {
    super(`class folder ${folder} has no JPEG/PNG images`, 'add images or remove the folder');
  }
}

export class UnknownValidationClassError extends DatasetError {
  constructor(
    readonly className: string,
    readonly where: string,
  ) {
    super(
      `validation class ${className} (${where}) has no train folder`,
      'validation classes must be train class folder names',
    );
  }
}

export class GroundTruthError extends DatasetError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(
      `validation ground truth ${file}: ${detail}`,
      'expected "<file> <class>" lines or LOC_val_solution.csv rows',
    );
  }
}

export class IdxFormatError extends DatasetError {
  constructor(
    readonly file: string,
    detail: string,
    remedy = 're-download the dataset files',
  ) {
    super(`${file} is not a valid MNIST-style IDX file (${detail})`, remedy);
  }
}

export class InvalidBatchLayoutError extends DatasetError {
  constructor(globalBatch: number, replicas: number) {
    super(
      `global batch ${globalBatch} is not divisible by ${replicas} virtual replicas`,
      'choose a batch that is a multiple of the replica count',
    );
  }
}

export class ImageChannelsError extends DatasetError {
  constructor(inChannels: number, outChannels: number) {
    super(
      `cannot turn ${inChannels}-channel images into ${outChannels} channels`,
      `set the model's input channels to 3 (or ${inChannels})`,
    );
  }
}
