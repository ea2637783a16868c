import type { DecodeResult } from './decode-failures';
import type { GeometryPlanner } from './raw-image';

/** Per-channel normalization in [0, 1] pixel units: x' = (x/255 − mean) / std. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** One split of a dataset: samples 0…size−1, each with a label and a way to read its pixels. */
export interface DatasetSplit {
  readonly name: 'train' | 'val';
  readonly size: number;
  /** labels[i] = class index of sample i (index into `DatasetSource.classNames`). */
  readonly labels: Int32Array;
  /** A human-readable name of sample i (relative file path, or `train[123]`) for failure reports. */
  sampleName(index: number): string;
  /**
   * Reads sample i as RGB (image folders) or grayscale (IDX) uint8 pixels. With a planner, the
   * source asks it for the crop/resize to apply given the oriented size, and returns the result of
   * that geometry. Never throws for a bad file: an undecodable one comes back as `{ ok: false }`.
   */
  read(index: number, geometry?: GeometryPlanner): Promise<DecodeResult>;
}

export type DatasetKind = 'idx' | 'imagefolder';

/** A labelled image dataset: class names, a train split and (when the dataset has one) a validation split. */
export interface DatasetSource {
  readonly kind: DatasetKind;
  /** Absolute path of the dataset root. */
  readonly root: string;
  readonly classNames: readonly string[];
  readonly numClasses: number;
  readonly train: DatasetSplit;
  /** The validation / test split; undefined when the dataset has none (an image folder without `val/`). */
  readonly val: DatasetSplit | undefined;
  /** Channels of the decoded images before any transform (1 for IDX, 3 for image folders). */
  readonly channels: 1 | 3;
  /** Native image size when every image has the same one (IDX: 28×28), else undefined. */
  readonly imageSize: { readonly width: number; readonly height: number } | undefined;
  /** Normalization measured on the train split when the source knows it cheaply, else undefined (use ImageNet's). */
  readonly stats: ChannelStats | undefined;
  /** sha256 (hex) identifying the dataset version, recorded in checkpoints and bundle provenance. */
  readonly contentHash: string;
}
