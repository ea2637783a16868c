import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { DatasetSpec, JobSpecInput } from '@repvgg/contracts';
import { FASHION_MNIST_DIR } from '@repvgg/training/data/idx.source';
import type { TrainPreset } from '@repvgg/training/presets/train-preset';
import { UsageError } from '../errors/usage.error';
import { presetFor } from '../options/preset.option';

/** Named datasets: where each one's data lives (its recipes are the presets of `--preset`). */
export const NAMED_DATASETS: Readonly<Record<string, { readonly dataset: DatasetSpec }>> = {
  'fashion-mnist': { dataset: { source: 'idx', path: FASHION_MNIST_DIR, format: 'auto' } },
};

/**
 * The job spec that trains `preset` on `dataset` exactly as `repvgg train --dataset` does: the same
 * architecture, input size, epochs, global batch in the same virtual replicas, SGD and cosine
 * schedule with the same (possibly fractional) warm-up, label smoothing and random erasing. Workers
 * give IDX images the Fashion-MNIST preset's pad-crop and flip (libs/training/src/setup/job-recipe.ts).
 */
export function jobSpecFromPreset(preset: TrainPreset, dataset: DatasetSpec): JobSpecInput {
  const a = preset.arch;
  return {
    name: preset.name,
    architecture: {
      numBlocks: [...a.numBlocks],
      widthMultiplier: [...a.widthMultiplier],
      overrideGroupsMap: Object.fromEntries(
        Object.entries(a.overrideGroupsMap).map(([layer, groups]) => [layer, groups]),
      ),
      numClasses: a.numClasses,
    },
    dataset,
    imageSize: preset.imageSize,
    epochs: preset.epochs,
    globalBatch: preset.globalBatch,
    virtualReplicas: preset.replicas,
    optimizer: { lr: preset.lr, momentum: 0.9, nesterov: false, weightDecay: preset.weightDecay },
    schedule: { kind: 'cosine', warmupEpochs: preset.warmupEpochs },
    labelSmoothing: preset.labelSmoothing,
    randomErasing: preset.randomErasing,
    workers: { min: 1, max: preset.replicas },
  };
}

/** `--dataset NAME [--preset P] [--data DIR]`: the preset's job spec (NAME's own without P), on DIR when given. */
export function datasetPresetSpec(
  name: string,
  dataDir?: string,
  presetName?: string,
): JobSpecInput {
  const entry = Object.hasOwn(NAMED_DATASETS, name) ? NAMED_DATASETS[name] : undefined;
  if (entry === undefined) {
    throw new UsageError(
      `unknown dataset "${name}"`,
      `use one of ${Object.keys(NAMED_DATASETS).join(', ')}, or --data DIR`,
    );
  }
  const dataset =
    dataDir === undefined ? entry.dataset : { ...entry.dataset, path: resolve(dataDir) };
  return jobSpecFromPreset(presetFor(name, presetName), dataset);
}

const IDX_FILE = /-idx\d-ubyte(\.gz)?$/;

/** `idx` for a folder of MNIST-style IDX files, `imagefolder` for one with `train/`. */
export function detectDatasetSource(dir: string): DatasetSpec['source'] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      `cannot tell the format of ${dir}: no such folder on this machine`,
      'pass --source idx|imagefolder when the path is on the coordinator only',
    );
  }
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && IDX_FILE.test(e.name))) return 'idx';
  if (entries.some((e) => e.isDirectory() && e.name === 'train')) return 'imagefolder';
  throw new UsageError(
    `${dir} holds neither IDX files nor a train/ folder`,
    'point --data at a dataset folder (docs/data.md)',
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A job spec or architecture file: JSON, or YAML by its extension (.yaml, .yml). */
export function readSpecFile(file: string, what: string): Json {
  if (!existsSync(file)) throw new UsageError(`${what} ${file} does not exist`, 'check the path');
  const text = readFileSync(file, 'utf8');
  const yaml = ['.yaml', '.yml'].includes(extname(file).toLowerCase());
  let value: unknown;
  try {
    value = yaml ? loadYaml(text) : JSON.parse(text);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    throw new UsageError(
      `${what} ${file} is not valid ${yaml ? 'YAML' : 'JSON'} (${reason})`,
      'fix the file',
    );
  }
  if (!isObject(value)) throw new UsageError(`${what} ${file} is not an object`, 'fix the file');
  return value;
}

/** `v` without undefined fields; objects left empty by that are dropped too. */
function defined(v: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(v)) {
    const kept = isObject(value) ? defined(value) : value;
    if (kept !== undefined && !(isObject(kept) && Object.keys(kept).length === 0)) out[key] = kept;
  }
  return out;
}

/** `b` over `a`, objects merged field by field; an architecture is replaced whole. */
function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [key, value] of Object.entries(defined(b))) {
    const prev = out[key];
    out[key] =
      key !== 'architecture' && isObject(prev) && isObject(value) ? merge(prev, value) : value;
  }
  return out;
}

/** The flags of `repvgg submit` (and `run`) that shape the job spec. */
export interface JobSpecFlags {
  readonly spec?: string;
  readonly dataset?: string;
  readonly preset?: string;
  readonly data?: string;
  readonly source?: DatasetSpec['source'];
  readonly arch?: string;
  readonly archFile?: string;
  readonly name?: string;
  readonly epochs?: number;
  readonly batch?: number;
  readonly replicas?: number;
  readonly imageSize?: number;
  readonly lr?: number;
  readonly warmupEpochs?: number;
  readonly weightDecay?: number;
  readonly labelSmoothing?: number;
  readonly randomErasing?: number;
  readonly mode?: 'deterministic' | 'fast';
  readonly wire?: 'fp32' | 'fp16';
  readonly overlap?: 'on' | 'off';
  readonly workersMin?: number;
  readonly workersMax?: number;
  readonly seed?: number;
  readonly priority?: number;
}

/**
 * The job spec the flags describe: `--spec FILE`, then the `--dataset` preset, then each flag
 * over both. Not validated here: the coordinator validates and names every bad field.
 */
export function buildJobSpec(flags: JobSpecFlags): JobSpecInput {
  let spec: Json = flags.spec === undefined ? {} : readSpecFile(flags.spec, 'job spec');
  if (flags.dataset !== undefined) {
    spec = merge(spec, datasetPresetSpec(flags.dataset, flags.data, flags.preset));
  } else if (flags.preset !== undefined) presetFor(undefined, flags.preset);
  if (flags.dataset === undefined && flags.data !== undefined) {
    const path = resolve(flags.data);
    spec = merge(spec, {
      dataset: { source: flags.source ?? detectDatasetSource(path), path },
    });
  }
  if (flags.source !== undefined) spec = merge(spec, { dataset: { source: flags.source } });
  if (flags.arch !== undefined) spec = merge(spec, { architecture: flags.arch });
  if (flags.archFile !== undefined) {
    spec = merge(spec, { architecture: readSpecFile(flags.archFile, 'architecture file') });
  }
  spec = merge(spec, {
    name: flags.name,
    epochs: flags.epochs,
    globalBatch: flags.batch,
    virtualReplicas: flags.replicas,
    imageSize: flags.imageSize,
    labelSmoothing: flags.labelSmoothing,
    randomErasing: flags.randomErasing,
    mode: flags.mode,
    wire: flags.wire,
    overlap: flags.overlap === undefined ? undefined : flags.overlap === 'on',
    seed: flags.seed,
    priority: flags.priority,
    optimizer: { lr: flags.lr, weightDecay: flags.weightDecay },
    schedule: { warmupEpochs: flags.warmupEpochs },
    workers: { min: flags.workersMin, max: flags.workersMax },
  });
  if (spec.dataset === undefined) {
    throw new UsageError(
      'no dataset given',
      'pass --dataset fashion-mnist, --data DIR, or --spec FILE with a dataset',
    );
  }
  // The coordinator checks the shape (jobSpecSchema) and answers 400 naming each bad field.
  return spec as JobSpecInput;
}
