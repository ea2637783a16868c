import type { Command } from 'commander';
import type { ConnectionFlags } from '../client/connection';
import { formatJobSummary } from '../client/job-format';
import { addConnectionOptions, clientFor } from '../options/connection.options';

interface StatusOptions extends ConnectionFlags {
  readonly json?: boolean;
}

export function registerStatus(program: Command): void {
  addConnectionOptions(
    program
      .command('status')
      .description(
        'a job: state and reason, recipe, progress, workers, last metrics, validation, ETA',
      )
      .argument('<job>', 'job id or a unique prefix'),
  )
    .option('--json', 'print the job view (record, transitions, ETA) as JSON')
    .action(async (ref: string, opts: StatusOptions) => {
      const client = clientFor(opts);
      const view = await client.job(await client.resolveJobId(ref));
      process.stdout.write(
        opts.json === true
          ? `${JSON.stringify(view, null, 2)}\n`
          : `${formatJobSummary(view, Date.now())}\n`,
      );
    });
}
