import type { Command } from 'commander';
import { registerJobAction } from './job-action.command';

export function registerResume(program: Command): void {
  registerJobAction(
    program,
    'resume',
    'continue a failed or cancelled job from its latest checkpoint',
    async (client, id) => `${id} ${(await client.resume(id)).state}`,
  );
}
