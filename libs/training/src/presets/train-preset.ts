import { expandArch, type ArchSpec } from '@repvgg/core/arch/arch-spec';

/** The settings of a `repvgg train` run that a dataset preset chooses (each overridable by a flag). */
export interface TrainPreset {
  readonly name: string;
  /** The named dataset it trains (`--dataset`). */
  readonly dataset: string;
  readonly arch: ArchSpec;
  readonly imageSize: number;
  readonly epochs: number;
  readonly globalBatch: number;
  readonly replicas: number;
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly weightDecay: number;
  readonly labelSmoothing: number;
  /** Random-crop zero padding and flip probability for small fixed-size images. */
  readonly padding: number;
  readonly flipProbability: number;
  /** Probability of Random Erasing (data/transforms/random-erasing.ts) per training sample; 0 for none. */
  readonly randomErasing: number;
}

/** One line for `--help`: what the preset chooses. */
export function describePreset(p: TrainPreset): string {
  const blocks = expandArch(p.arch).blocks;
  const widths = [1, 2, 3, 4].map((s) => blocks.find((b) => b.stage === s)?.outChannels ?? 0);
  return (
    `${p.name}: RepVGG blocks [${p.arch.numBlocks.join(',')}] widths [${widths.join(',')}] at ` +
    `${p.imageSize}×${p.imageSize}, ${p.epochs} epochs, batch ${p.globalBatch} in ${p.replicas} ` +
    `replicas, SGD lr ${p.lr} cosine, weight decay ${p.weightDecay}, random crop (pad ${p.padding}) + flip` +
    (p.randomErasing > 0 ? ` + random erasing (p ${p.randomErasing})` : '') +
    (p.labelSmoothing > 0 ? `, label smoothing ${p.labelSmoothing}` : '')
  );
}
