import type { ArchSpec } from '@repvgg/core/arch/arch-spec';
import { BUNDLE_REPORT_FILE } from '@repvgg/core/export/bundle-report';
import { Option, type Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors/usage.error';
import { requireCreatableDir, requireFile } from '../io/paths';
import { addArchOptions, archFromOptions, type ArchOptions } from '../options/arch.options';
import {
  nonNegativeInt,
  nonNegativeNumber,
  positiveInt,
  positiveNumber,
} from '../options/option-parsers';
import { presetDatasets, presetFor, presetOption, presetsHelp } from '../options/preset.option';
import { randomErasingOption } from '../options/random-erasing.option';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import type { TrainPreset } from '@repvgg/training/presets/train-preset';

interface TrainOptions extends ArchOptions {
  readonly data?: string;
  readonly dataset?: string;
  readonly preset?: string;
  readonly out: string;
  readonly epochs?: number;
  readonly batch?: number;
  readonly replicas?: number;
  readonly lr?: number;
  readonly warmupEpochs?: number;
  readonly weightDecay?: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly labelSmoothing?: number;
  readonly randomErasing?: number;
  readonly clipGradNorm?: number;
  readonly imageSize?: number;
  readonly seed: number;
  readonly threads?: number;
  readonly resume?: boolean;
  readonly initFrom?: string;
  readonly checkpointEvery?: number;
}

/** The paper's recipe for light models (docs/reference.md), used with `--data` unless flags say otherwise. */
const PAPER_RECIPE: Omit<TrainPreset, 'name' | 'dataset' | 'arch'> = {
  imageSize: 224,
  epochs: 120,
  globalBatch: 256,
  replicas: 8,
  lr: 0.1,
  warmupEpochs: 0,
  weightDecay: 1e-4,
  labelSmoothing: 0,
  padding: 0,
  flipProbability: 0.5,
  randomErasing: 0,
};

function checkOutDir(out: string, resume: boolean): void {
  requireCreatableDir(out);
  if (!existsSync(out)) return;
  const entries = readdirSync(out).filter((n) => !n.startsWith('.'));
  if (entries.length > 0 && !resume) {
    throw new UsageError(
      `output directory ${out} is not empty`,
      'pass --resume to continue its checkpoints, or choose a new --out',
    );
  }
}

/** Moves the finished bundle's files into `out`, report.json last so that it marks a complete bundle. */
async function publishBundle(staging: string, out: string): Promise<void> {
  for (const name of await readdir(staging)) {
    if (name !== BUNDLE_REPORT_FILE) await rename(join(staging, name), join(out, name));
  }
  await rename(join(staging, BUNDLE_REPORT_FILE), join(out, BUNDLE_REPORT_FILE));
  await rm(staging, { recursive: true, force: true });
}

export function registerTrain(program: Command): void {
  addArchOptions(
    program
      .command('train')
      .description(
        'train a RepVGG in this process (no Redis), validate each epoch, and write the deploy bundle ' +
          '(model.safetensors, model.onnx, tfjs, report.json with metrics.top1/top5 and the per-epoch ' +
          'history) into --out, with checkpoints in --out/checkpoints',
      ),
  )
    .addOption(
      new Option(
        '--data <dir>',
        'dataset folder: train/<class>/*.jpg (+ val/), or MNIST-style IDX files',
      ).conflicts('dataset'),
    )
    .addOption(
      new Option('--dataset <name>', 'a named dataset with its preset').choices(presetDatasets()),
    )
    .addOption(presetOption())
    .requiredOption('--out <dir>', 'output directory: deploy bundle + checkpoints/')
    .addOption(new Option('--epochs <n>', 'epochs').argParser(positiveInt))
    .addOption(new Option('--batch <n>', 'global batch size').argParser(positiveInt))
    .addOption(
      new Option(
        '--replicas <v>',
        'virtual replicas: BatchNorm statistics per batch/V samples',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option('--lr <x>', 'base learning rate (cosine to 0 per step)').argParser(positiveNumber),
    )
    .addOption(
      new Option('--warmup-epochs <e>', 'linear warm-up epochs').argParser(nonNegativeNumber),
    )
    .addOption(
      new Option('--weight-decay <x>', 'weight decay (official exclusions)').argParser(
        nonNegativeNumber,
      ),
    )
    .addOption(
      new Option('--momentum <x>', 'SGD momentum (default 0.9)').argParser(nonNegativeNumber),
    )
    .option('--nesterov', 'Nesterov momentum')
    .addOption(
      new Option('--label-smoothing <x>', 'label smoothing ε').argParser(nonNegativeNumber),
    )
    .addOption(randomErasingOption())
    .addOption(
      new Option('--clip-grad-norm <x>', 'clip the global gradient norm').argParser(positiveNumber),
    )
    .addOption(new Option('--image-size <n>', 'model input side in pixels').argParser(positiveInt))
    .addOption(
      new Option('--seed <s>', 'seed of init, sample order and augmentation')
        .argParser(nonNegativeInt)
        .default(0),
    )
    .addOption(
      new Option(
        '--threads <n>',
        'compute threads, each with its own engine (default: 2 when there are 2+ cores and 2+ replicas, else 0 = main thread)',
      ).argParser(nonNegativeInt),
    )
    .option('--resume', 'continue from the latest checkpoint in --out/checkpoints')
    .option(
      '--init-from <file>',
      'fine-tune from an official training checkpoint (.safetensors or PyTorch .pth, e.g. RepVGG-A0-train.pth); the head is re-initialized',
    )
    .addOption(
      new Option('--checkpoint-every <steps>', 'also checkpoint every N steps').argParser(
        positiveInt,
      ),
    )
    .addHelpText(
      'after',
      `\nDefaults: with --dataset, its preset below (or --preset's); with --data, the paper's light-model recipe ` +
        `(120 epochs, batch 256 in 8 replicas, lr 0.1, weight decay 1e-4, 224×224, RandomResizedCrop + flip).\n` +
        `${presetsHelp()} Their measured curves are in docs/training.md.\n` +
        `Fashion-MNIST comes from Debian: sudo apt-get install dataset-fashion-mnist`,
    )
    .action(async (opts: TrainOptions, cmd: Command) => {
      await train(opts, cmd.optsWithGlobals<{ backend?: string }>().backend);
    });
}

async function train(opts: TrainOptions, backend: string | undefined): Promise<void> {
  const preset = presetFor(opts.dataset, opts.preset);
  if ((opts.data === undefined) === (opts.dataset === undefined)) {
    throw new UsageError('no dataset given', 'pass --dataset fashion-mnist or --data DIR');
  }
  const hasArch = opts.arch !== undefined || opts.archFile !== undefined;
  if (preset === undefined && !hasArch) {
    throw new UsageError(
      'no architecture given',
      'pass --arch NAME or --arch-file FILE with --data',
    );
  }
  const arch: ArchSpec = hasArch
    ? archFromOptions(opts).spec
    : (preset?.arch ?? FASHION_MNIST_PRESET.arch);
  const recipe = preset ?? { ...PAPER_RECIPE, name: 'paper', arch };
  if (opts.data !== undefined && !existsSync(opts.data)) {
    throw new UsageError(`dataset folder ${opts.data} does not exist`, 'check the --data path');
  }
  if (opts.initFrom !== undefined) requireFile('checkpoint', opts.initFrom);
  const out = resolve(opts.out);
  checkOutDir(out, opts.resume === true);
  const replicas = opts.replicas ?? recipe.replicas;
  const threads =
    opts.threads ??
    ((await import('node:os')).availableParallelism() >= 2 && replicas >= 2 ? 2 : 0);

  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nstopping after this step (checkpoint kept; rerun with --resume)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const { trainLocally } = await import('@repvgg/training/trainer/local-training');
  const { ProgressReporter } = await import('@repvgg/training/trainer/progress.reporter');
  const epochs = opts.epochs ?? recipe.epochs;
  const progress = new ProgressReporter(process.stderr, epochs);
  const started = performance.now();
  try {
    const result = await trainLocally({
      dataset:
        opts.dataset === undefined ? { data: opts.data ?? '' } : { dataset: 'fashion-mnist' },
      arch,
      imageSize: opts.imageSize ?? recipe.imageSize,
      epochs,
      globalBatch: opts.batch ?? recipe.globalBatch,
      replicas,
      lr: opts.lr ?? recipe.lr,
      warmupEpochs: opts.warmupEpochs ?? recipe.warmupEpochs,
      momentum: opts.momentum ?? 0.9,
      weightDecay: opts.weightDecay ?? recipe.weightDecay,
      nesterov: opts.nesterov === true,
      labelSmoothing: opts.labelSmoothing ?? recipe.labelSmoothing,
      clipGradNorm: opts.clipGradNorm,
      padding: recipe.padding,
      flipProbability: recipe.flipProbability,
      randomErasing: opts.randomErasing ?? recipe.randomErasing,
      seed: opts.seed,
      threads,
      backend,
      checkpointDir: join(out, 'checkpoints'),
      checkpointEverySteps: opts.checkpointEvery,
      resume: opts.resume === true,
      initFrom: opts.initFrom,
      signal: controller.signal,
      hooks: progress,
    });
    if (!result.completed) {
      process.exitCode = 130;
      return;
    }
    const last = result.history.at(-1);
    const seconds = (performance.now() - started) / 1000;
    const { writeDeployBundle } = await import('@repvgg/core/export/bundle');
    const staging = join(out, `.bundle-${process.pid}`);
    await mkdir(out, { recursive: true });
    await rm(staging, { recursive: true, force: true });
    await writeDeployBundle({
      arch: result.arch,
      trainSd: result.weights,
      outDir: staging,
      preprocessing: result.preprocessing,
      provenance: {
        createdBy: 'repvgg train',
        dataset: result.source.root,
        datasetHash: result.source.contentHash,
        backend: result.backend.name,
        seed: opts.seed,
      },
      metrics: {
        split:
          result.source.val === undefined ? null : result.source.kind === 'idx' ? 'test' : 'val',
        top1: last?.val?.top1 ?? null,
        top5: last?.val?.top5 ?? null,
        loss: last?.val?.loss ?? null,
        trainSeconds: seconds,
        decodeFailures: result.decodeFailures.count,
        history: result.history.map(({ val, ...epoch }) =>
          val === undefined ? epoch : { ...epoch, val: { ...val } },
        ),
      },
    });
    await publishBundle(staging, out);
    process.stderr.write(
      `trained ${result.arch.spec.name} in ${(seconds / 60).toFixed(1)} min: ` +
        `top-1 ${last?.val === undefined ? 'n/a' : `${(last.val.top1 * 100).toFixed(2)}%`}, bundle in ${out}\n`,
    );
    process.stdout.write(`${out}\n`);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
