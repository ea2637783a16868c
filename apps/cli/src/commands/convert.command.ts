import type { Preprocessing } from '@repvgg/core/export/bundle-report';
import { BundleExistsError } from '@repvgg/core/export/bundle.error';
import type { EquivalenceResult } from '@repvgg/core/export/equivalence';
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { CheckpointKindError } from '../errors/usage.error';
import { readCheckpoint } from '../io/checkpoint.source';
import { readClassNames } from '../io/class-names';
import { isNonEmptyDirectory } from '../io/paths';
import { startBackend } from '../model/backend';
import { addArchOptions, ARCH_FROM_WEIGHTS_HELP, type ArchOptions } from '../options/arch.options';
import { numberList, positiveInt } from '../options/option-parsers';

interface ConvertOptions extends ArchOptions {
  readonly in: string;
  readonly out: string;
  readonly overwrite?: boolean;
  readonly resize?: number;
  readonly cropSize?: number;
  readonly mean?: number[];
  readonly std?: number[];
  readonly classNames?: string;
}

/** torchvision's validation ratio (256 → 224) when only the crop size is given. */
const RESIZE_PER_CROP = 256 / 224;

function preprocessingFrom(opts: ConvertOptions): Partial<Preprocessing> {
  const resize =
    opts.resize ??
    (opts.cropSize === undefined ? undefined : Math.round(opts.cropSize * RESIZE_PER_CROP));
  return {
    ...(resize === undefined ? {} : { resize }),
    ...(opts.cropSize === undefined ? {} : { cropSize: opts.cropSize }),
    ...(opts.mean === undefined ? {} : { mean: opts.mean }),
    ...(opts.std === undefined ? {} : { std: opts.std }),
    ...(opts.classNames === undefined ? {} : { classNames: readClassNames(opts.classNames) }),
  };
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

/** The bundle's files with sizes; the tfjs weight shards are counted together. */
function summarizeFiles(files: Readonly<Record<string, { readonly bytes: number }>>): string {
  const entries = Object.entries(files);
  const shards = entries.filter(([name]) => name.endsWith('.bin'));
  const shardBytes = shards.reduce((sum, [, f]) => sum + f.bytes, 0);
  return entries
    .filter(([name]) => !name.endsWith('.bin'))
    .map(([name, f]) =>
      name === 'model.json'
        ? `model.json + ${shards.length} weight shard${shards.length === 1 ? '' : 's'} (${megabytes(f.bytes + shardBytes)})`
        : `${name} (${megabytes(f.bytes)})`,
    )
    .join(', ');
}

const describe = (name: string, r: EquivalenceResult): string =>
  `${name} max|Δ| ${r.maxAbsDiff.toExponential(2)} (bound ${r.bound.toExponential(2)}, max|y| ${r.maxAbs.toPrecision(3)})`;

export function registerConvert(program: Command): void {
  addArchOptions(
    program
      .command('convert')
      .description(
        'fuse a training checkpoint and write the deploy bundle: model.safetensors, model.onnx, tfjs model.json + shards, report.json',
      ),
  )
    .requiredOption(
      '--in <file>',
      'training checkpoint (.safetensors or PyTorch .pth, official keys)',
    )
    .requiredOption('--out <dir>', 'bundle directory to create')
    .option('--overwrite', 'replace a non-empty --out directory')
    .addOption(
      new Option(
        '--crop-size <n>',
        'model input size: centre crop of the resized image (default: 224)',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--resize <n>',
        'shorter image side before the crop (default: 256, or crop-size·256/224)',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option('--mean <m>', 'per-channel mean of [0,1] pixels (default: ImageNet)').argParser(
        numberList,
      ),
    )
    .addOption(
      new Option('--std <s>', 'per-channel std of [0,1] pixels (default: ImageNet)').argParser(
        numberList,
      ),
    )
    .option('--class-names <file>', 'class names: JSON array or one per line, by logit index')
    .addHelpText(
      'after',
      `${ARCH_FROM_WEIGHTS_HELP}\nExample:\n  repvgg convert --arch RepVGG-A0 --in train.safetensors --out bundle/\n`,
    )
    .action(async (opts: ConvertOptions, cmd: Command) => {
      const log = (line: string): void => {
        process.stderr.write(`convert: ${line}\n`);
      };
      const started = performance.now();
      const ckpt = await readCheckpoint(opts.in, opts);
      if (ckpt.kind !== 'train') {
        throw new CheckpointKindError(opts.in, 'fused deploy', 'training');
      }
      const preprocessing = preprocessingFrom(opts);
      // Checked again by the writer; here so the refusal comes before the slow steps.
      if (opts.overwrite !== true && isNonEmptyDirectory(opts.out)) {
        throw new BundleExistsError(resolve(opts.out));
      }
      const backend = await startBackend(cmd.optsWithGlobals<{ backend?: string }>().backend);
      log(
        `${ckpt.arch.spec.name} (${ckpt.arch.head.numClasses} classes) from ${opts.in} on ${backend.name}`,
      );
      log('fuse → export onnx → export tfjs → verify on a probe batch …');
      const { writeDeployBundle } = await import('@repvgg/core/export/bundle');
      const report = await writeDeployBundle({
        arch: ckpt.arch,
        trainSd: ckpt.stateDict,
        outDir: opts.out,
        preprocessing,
        overwrite: opts.overwrite === true,
        provenance: { createdBy: 'repvgg convert', checkpoint: resolve(opts.in) },
      });
      const { fused, onnx, tfjs } = report.equivalence;
      log(`verified ${describe('fused', fused)}`);
      log(`verified ${describe('onnx', onnx)}`);
      log(`verified ${describe('tfjs', tfjs)}`);
      log(
        `wrote ${summarizeFiles(report.files)}, report.json in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      process.stdout.write(`${opts.out}\n`);
    });
}
