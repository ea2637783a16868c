import { Option } from 'commander';
import { describePreset, type TrainPreset } from '@repvgg/training/presets/train-preset';
import { TRAIN_PRESETS } from '@repvgg/training/presets/train-presets';
import { UsageError } from '../errors/usage.error';

/** `--preset NAME`: one of a named dataset's recipes, on `train` and on the job commands. */
export function presetOption(): Option {
  return new Option(
    '--preset <name>',
    "a named recipe for --dataset (default: the dataset's own; see the presets below)",
  ).choices(Object.keys(TRAIN_PRESETS));
}

/** The named datasets the presets train (`--dataset`'s choices). */
export function presetDatasets(): string[] {
  return [...new Set(Object.values(TRAIN_PRESETS).map((p) => p.dataset))];
}

/** Help lines: each preset with what it chooses. */
export function presetsHelp(): string {
  return Object.values(TRAIN_PRESETS)
    .map((p) => `Preset ${describePreset(p)}.`)
    .join('\n');
}

/**
 * The recipe `--dataset D [--preset P]` names (D's own preset without P), or undefined without
 * `--dataset`; a usage error for `--preset` alone or a preset of another dataset.
 */
export function presetFor(dataset: string, preset: string | undefined): TrainPreset;
export function presetFor(
  dataset: string | undefined,
  preset: string | undefined,
): TrainPreset | undefined;
export function presetFor(
  dataset: string | undefined,
  preset: string | undefined,
): TrainPreset | undefined {
  const named = (name: string): TrainPreset | undefined =>
    Object.hasOwn(TRAIN_PRESETS, name) ? TRAIN_PRESETS[name] : undefined;
  if (dataset === undefined) {
    if (preset === undefined) return undefined;
    throw new UsageError(
      `--preset ${preset} needs the dataset it trains`,
      `pass --dataset ${named(preset)?.dataset ?? 'NAME'} with it`,
    );
  }
  const p = named(preset ?? dataset);
  if (p === undefined) {
    throw new UsageError(
      `no preset "${preset ?? dataset}"`,
      `use one of ${Object.keys(TRAIN_PRESETS).join(', ')}`,
    );
  }
  if (p.dataset !== dataset) {
    throw new UsageError(
      `preset ${p.name} trains ${p.dataset}, not ${dataset}`,
      `pass --dataset ${p.dataset}`,
    );
  }
  return p;
}
