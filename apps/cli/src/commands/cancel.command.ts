import type { Command } from 'commander';
import { registerJobAction } from './job-action.command';

export function registerCancel(program: Command): void {
  registerJobAction(
    program,
    'cancel',
    'cancel a job that has not finished (its workers stop at the next step; resume continues it)',
    async (client, id) => `${id} ${(await client.cancel(id)).state}`,
  );
}
