import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { ConnectionFlags } from '../client/connection';
import { buildJobSpec, NAMED_DATASETS, type JobSpecFlags } from '../client/job-spec.builder';
import { requireSucceeded, watchJob } from '../client/job-watch';
import { addConnectionOptions, clientFor } from '../options/connection.options';
import {
  integer,
  nonNegativeInt,
  nonNegativeNumber,
  positiveInt,
  positiveNumber,
} from '../options/option-parsers';
import { presetOption, presetsHelp } from '../options/preset.option';
import { randomErasingOption } from '../options/random-erasing.option';
import { downloadWithReport } from './download.command';

interface SubmitOptions extends JobSpecFlags, ConnectionFlags {
  readonly json?: boolean;
  readonly watch?: boolean;
  readonly download?: string;
}

/** The job spec flags, shared with every command that builds a spec from flags. */
export function addJobSpecOptions(cmd: Command): Command {
  return cmd
    .option('--spec <file>', 'job spec as JSON or YAML (.yaml/.yml); flags override its fields')
    .addOption(
      new Option('--dataset <name>', 'a named dataset with its `repvgg train` recipe').choices(
        Object.keys(NAMED_DATASETS),
      ),
    )
    .addOption(presetOption())
    .option('--data <dir>', 'dataset folder as the coordinator sees it (inside its data roots)')
    .addOption(
      new Option('--source <kind>', 'dataset format (default: detected from --data)').choices([
        'idx',
        'imagefolder',
      ]),
    )
    .addOption(
      new Option('--arch <name>', 'official variant: RepVGG-A0 … RepVGG-B3g4').conflicts(
        'archFile',
      ),
    )
    .option('--arch-file <file>', 'custom architecture JSON (numBlocks, widthMultiplier, …)')
    .option('--name <name>', 'a name for the job')
    .addOption(new Option('--epochs <n>', 'epochs').argParser(positiveInt))
    .addOption(new Option('--batch <n>', 'global batch size').argParser(positiveInt))
    .addOption(new Option('--replicas <v>', 'virtual replicas').argParser(positiveInt))
    .addOption(new Option('--image-size <n>', 'model input side in pixels').argParser(positiveInt))
    .addOption(new Option('--lr <x>', 'base learning rate').argParser(positiveNumber))
    .addOption(
      new Option('--warmup-epochs <e>', 'linear warm-up epochs').argParser(nonNegativeNumber),
    )
    .addOption(new Option('--weight-decay <x>', 'weight decay').argParser(nonNegativeNumber))
    .addOption(
      new Option('--label-smoothing <x>', 'label smoothing ε').argParser(nonNegativeNumber),
    )
    .addOption(randomErasingOption())
    .addOption(
      new Option('--mode <mode>', 'deterministic: bit-identical for any worker count').choices([
        'deterministic',
        'fast',
      ]),
    )
    .addOption(
      new Option(
        '--wire <format>',
        'gradient all-reduce wire format: fp16 halves the bytes (fast mode only)',
      ).choices(['fp32', 'fp16']),
    )
    .addOption(
      new Option(
        '--overlap <on|off>',
        'all-reduce gradient buckets while backward computes (fast mode; default off)',
      ).choices(['on', 'off']),
    )
    .addOption(new Option('--workers-min <n>', 'fewest workers to train on').argParser(positiveInt))
    .addOption(new Option('--workers-max <n>', 'most workers to train on').argParser(positiveInt))
    .addOption(new Option('--seed <s>', 'seed of init and sample order').argParser(nonNegativeInt))
    .addOption(
      new Option('--priority <p>', 'queue priority, -100 … 100 (higher first)').argParser(integer),
    );
}

export function registerSubmit(program: Command): void {
  addConnectionOptions(
    addJobSpecOptions(
      program
        .command('submit')
        .description(
          'submit a training job to the coordinator and print its id (--watch follows it, --download DIR fetches and verifies the bundle)',
        ),
    ),
  )
    .option('--json', 'print the job record as JSON instead of the id')
    .option('--watch', 'follow the job until it ends (exit 1 unless it succeeds)')
    .option('--download <dir>', 'after success, download and verify the bundle into DIR')
    .addHelpText(
      'after',
      "\nWith --dataset [--preset] the spec is the recipe `repvgg train --dataset [--preset]` trains; other fields default to the paper's recipe.\n" +
        `${presetsHelp()}\n` +
        'A bad field is named by the coordinator, e.g. "globalBatch must be divisible by virtualReplicas".',
    )
    .action(async (opts: SubmitOptions) => {
      const client = clientFor(opts);
      const record = await client.submit(buildJobSpec(opts));
      process.stdout.write(
        opts.json === true ? `${JSON.stringify(record, null, 2)}\n` : `${record.id}\n`,
      );
      if (opts.watch !== true && opts.download === undefined) return;
      const final = await watchJob(client, record.id, { out: process.stderr });
      requireSucceeded(final);
      if (opts.download !== undefined) {
        await downloadWithReport(client, record.id, resolve(opts.download), false);
      }
    });
}
