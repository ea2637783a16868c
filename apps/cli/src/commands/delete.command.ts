import type { Command } from 'commander';
import { registerJobAction } from './job-action.command';

export function registerDelete(program: Command): void {
  registerJobAction(
    program,
    'delete',
    'delete a finished job: its record, events, metrics and artifacts',
    async (client, id) => {
      await client.delete(id);
      return `${id} deleted`;
    },
  );
}
