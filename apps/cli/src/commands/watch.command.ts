import type { Command } from 'commander';
import type { ConnectionFlags } from '../client/connection';
import { formatPercent } from '../client/job-format';
import { requireSucceeded, watchJob } from '../client/job-watch';
import { addConnectionOptions, clientFor } from '../options/connection.options';

export function registerWatch(program: Command): void {
  addConnectionOptions(
    program
      .command('watch')
      .description(
        "follow a job's events until it ends: progress (epoch/step, loss, img/s, workers, ETA), validation per epoch, generations, states; exit 0 when it succeeded, 1 when it failed or was cancelled",
      )
      .argument('<job>', 'job id or a unique prefix'),
  ).action(async (ref: string, opts: ConnectionFlags) => {
    const client = clientFor(opts);
    const id = await client.resolveJobId(ref);
    const final = await watchJob(client, id, { out: process.stderr });
    requireSucceeded(final);
    const top1 = final.epochResults.at(-1)?.top1;
    process.stdout.write(
      `${id} succeeded${top1 === undefined ? '' : `: top-1 ${formatPercent(top1, 2)}`}\n`,
    );
  });
}
