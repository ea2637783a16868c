import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../errors/usage.error';
import { isDirectory } from '../io/paths';
import { startBackend } from '../model/backend';
import { nonNegativeInt } from '../options/option-parsers';

interface EvaluateOptions {
  readonly model: string;
  readonly data?: string;
  readonly dataset?: 'fashion-mnist';
  readonly json?: boolean;
  readonly threads?: number;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      "top-1/top-5 of a deploy bundle's fused model on a dataset's held-out split (IDX: test, image folders: val), with the preprocessing the bundle records: the number training reported as its final validation",
    )
    .requiredOption('--model <dir>', 'deploy bundle directory (repvgg train, a coordinator job)')
    .addOption(
      new Option(
        '--data <dir>',
        'dataset folder: MNIST-style IDX files or train/ + val/',
      ).conflicts('dataset'),
    )
    .addOption(new Option('--dataset <name>', 'a named dataset').choices(['fashion-mnist']))
    .option('--json', 'print JSON: {top1, top5, loss, images, split}')
    .addOption(
      new Option(
        '--threads <n>',
        'compute threads, each with its own engine and a batch at a time, summed in batch order (the same result as one thread; default: one per core; 0 = this thread)',
      ).argParser(nonNegativeInt),
    )
    .addHelpText(
      'after',
      '\nExample:\n  repvgg evaluate --model out/fashion-mnist --dataset fashion-mnist\n',
    )
    .action(async (opts: EvaluateOptions, cmd: Command) => {
      await evaluate(opts, cmd.optsWithGlobals<{ backend?: string }>().backend);
    });
}

async function evaluate(opts: EvaluateOptions, backend: string | undefined): Promise<void> {
  if ((opts.data === undefined) === (opts.dataset === undefined)) {
    throw new UsageError('no dataset given', 'pass --dataset fashion-mnist or --data DIR');
  }
  if (!isDirectory(opts.model)) {
    throw new UsageError(
      `--model ${opts.model} is not a directory`,
      'pass the deploy bundle directory written by `repvgg train` or a coordinator job',
    );
  }
  if (opts.data !== undefined && !existsSync(opts.data)) {
    throw new UsageError(`dataset folder ${opts.data} does not exist`, 'check the --data path');
  }
  // Loaded here so that the other commands do not pay for tfjs and the training stack at start.
  const { readBundle } = await import('@repvgg/core/export/bundle');
  const { openDataset } = await import('@repvgg/training/data/open-dataset');
  const { DecodeFailures } = await import('@repvgg/training/data/decode-failures');
  const { PreprocessingTransform } =
    await import('@repvgg/training/data/transforms/preprocessing.transform');
  const { VALIDATION_BATCH } = await import('@repvgg/training/setup/job-setup');
  const { SplitValSource } = await import('@repvgg/training/trainer/loader-batch-source');
  const { validate } = await import('@repvgg/training/trainer/validate');
  const { withEvaluationProgress } = await import('@repvgg/training/trainer/evaluation-progress');
  const { DeployModel } = await import('@repvgg/core/graph/deploy-model');
  const { planLanes } = await import('@repvgg/training/parallel/lane-plan');
  const { ThreadReplicaPool } = await import('@repvgg/training/parallel/thread-replica.pool');
  const { availableParallelism } = await import('node:os');

  const bundle = await readBundle(opts.model);
  const source = await openDataset(
    opts.dataset === undefined ? { data: opts.data ?? '' } : { dataset: opts.dataset },
  );
  if (source.val === undefined) {
    throw new UsageError(
      `dataset ${source.root} has no held-out split`,
      'pass a dataset with IDX test files (t10k-*) or a val/ folder',
    );
  }
  const classes = bundle.arch.head.numClasses;
  if (source.numClasses !== classes) {
    throw new UsageError(
      `the model has ${classes} classes but dataset ${source.root} has ${source.numClasses}`,
      'evaluate the model on the dataset it was trained on',
    );
  }
  // Exactly what the final validation ran: the recorded transform, the same batches, the fused model.
  const pre = bundle.report.preprocessing;
  const batches = new SplitValSource(
    source.val,
    new PreprocessingTransform(pre),
    VALIDATION_BATCH,
    new DecodeFailures(),
  );
  const active = await startBackend(backend);
  // progress on stderr: an ImageNet-size split takes minutes
  const inOrder = withEvaluationProgress(batches.batches(), batches.size);
  const plan = planLanes(active.name, {
    threads: opts.threads ?? availableParallelism(),
    keepEventLoopFree: false,
  });
  let metrics;
  if (plan.kind === 'threads' && plan.lanes > 1) {
    const pool = await ThreadReplicaPool.start(plan.lanes, {
      arch: bundle.arch,
      backend: active.name,
    });
    try {
      metrics = await pool.evaluateBundle(bundle.deploySd, inOrder);
    } finally {
      await pool.close();
    }
  } else {
    const model = DeployModel.fromStateDict(bundle.arch, bundle.deploySd);
    try {
      metrics = await validate(model, inOrder);
    } finally {
      model.dispose();
    }
  }
  const split = source.kind === 'idx' ? 'test' : 'val';
  const result = {
    top1: metrics.top1,
    top5: metrics.top5,
    loss: metrics.loss,
    images: metrics.images,
    split,
  };
  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `top-1 ${(100 * result.top1).toFixed(2)}%  top-5 ${(100 * result.top5).toFixed(2)}%  ` +
      `loss ${result.loss.toFixed(4)}  on ${result.images} ${split} images\n`,
  );
}
