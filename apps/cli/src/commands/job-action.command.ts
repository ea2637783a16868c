import type { Command } from 'commander';
import type { ConnectionFlags } from '../client/connection';
import type { CoordinatorClient } from '../client/coordinator.client';
import { addConnectionOptions, clientFor } from '../options/connection.options';

/** A command that does one thing to one job and prints one line. */
export function registerJobAction(
  program: Command,
  name: string,
  description: string,
  act: (client: CoordinatorClient, id: string) => Promise<string>,
): void {
  addConnectionOptions(
    program.command(name).description(description).argument('<job>', 'job id or a unique prefix'),
  ).action(async (ref: string, opts: ConnectionFlags) => {
    const client = clientFor(opts);
    const id = await client.resolveJobId(ref);
    process.stdout.write(`${await act(client, id)}\n`);
  });
}
