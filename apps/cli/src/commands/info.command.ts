import type { Command } from 'commander';
import { addArchOptions, archFromOptions, type ArchOptions } from '../options/arch.options';
import { positiveInt } from '../options/option-parsers';
import { summarizeArch, summaryJson, summaryTable } from './info.format';

interface InfoOptions extends ArchOptions {
  readonly resolution: number;
  readonly json?: boolean;
}

export function registerInfo(program: Command): void {
  addArchOptions(
    program
      .command('info')
      .description('show blocks, widths, groups, train/deploy parameter counts and MACs'),
  )
    .option('--resolution <r>', 'input height and width for the MAC count', positiveInt, 224)
    .option('--json', 'print JSON: arch, trainParams, deployParams, trainMacs, deployMacs, …')
    .action((opts: InfoOptions) => {
      const summary = summarizeArch(archFromOptions(opts), opts.resolution);
      process.stdout.write(
        opts.json === true
          ? `${JSON.stringify(summaryJson(summary), null, 2)}\n`
          : `${summaryTable(summary)}\n`,
      );
    });
}
