/** One epoch of training and its validation, as recorded in checkpoints and report.json. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainTop1: number;
  /** Training images per second over the epoch, data waits included. */
  readonly trainImagesPerSec: number;
  /** Share of the epoch's step time spent waiting for the next batch. */
  readonly dataWaitShare: number;
  readonly lr: number;
  readonly val: ValidationMetrics | undefined;
  readonly seconds: number;
}

export interface ValidationMetrics {
  readonly loss: number;
  readonly top1: number;
  readonly top5: number;
  readonly images: number;
  readonly imagesPerSec: number;
}
