import { Option, type Command } from 'commander';
import { JOB_STATES, type JobState } from '@repvgg/contracts';
import type { ConnectionFlags } from '../client/connection';
import { formatTable, JOB_TABLE_HEADERS, jobRow } from '../client/job-format';
import { addConnectionOptions, clientFor } from '../options/connection.options';
import { positiveInt } from '../options/option-parsers';

interface JobsOptions extends ConnectionFlags {
  readonly state?: JobState;
  readonly limit?: number;
  readonly json?: boolean;
}

export function registerJobs(program: Command): void {
  addConnectionOptions(
    program
      .command('jobs')
      .description(
        "list the coordinator's jobs, oldest first: id, name, state, arch, progress, workers, top-1, age",
      ),
  )
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .addOption(new Option('--limit <n>', 'at most N jobs (default: all)').argParser(positiveInt))
    .option('--json', 'print the job records as a JSON array')
    .action(async (opts: JobsOptions) => {
      const jobs = await clientFor(opts).jobs({ state: opts.state, limit: opts.limit });
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
        return;
      }
      if (jobs.length === 0) {
        process.stderr.write(
          `no jobs${opts.state === undefined ? '' : ` in state ${opts.state}`}; submit one with \`repvgg submit\`\n`,
        );
        return;
      }
      const now = Date.now();
      process.stdout.write(
        `${formatTable(
          JOB_TABLE_HEADERS,
          jobs.map((j) => jobRow(j, now)),
        )}\n`,
      );
    });
}
