export class BatchTooSmallError extends Error {
  constructor(key: string, count: number) {
    super(
      `BatchNorm ${key} sees ${count} value(s) per channel in a micro-batch; use a larger batch per replica (batch / replicas)`,
    );
    this.name = 'BatchTooSmallError';
  }
}

export class NoGradientError extends Error {
  constructor(key: string) {
    super(
      `no gradient reached ${key}: the model's forward pass must use every trainable variable it lists`,
    );
    this.name = 'NoGradientError';
  }
}

export class MissingParameterError extends Error {
  constructor(key: string) {
    super(
      `the weights sent to a replica lack ${key}: every replica must train the same architecture`,
    );
    this.name = 'MissingParameterError';
  }
}

export class MissingBatchStatsError extends Error {
  constructor(prefix: string) {
    super(
      `the step's packet has no batch statistics for BatchNorm ${prefix}: every replica must run the same architecture`,
    );
    this.name = 'MissingBatchStatsError';
  }
}

export class RunningStatsError extends Error {
  constructor(key: string) {
    super(`state dict has no float32 ${key}: pass a complete official training state dict`);
    this.name = 'RunningStatsError';
  }
}
