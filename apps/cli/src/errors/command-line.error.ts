import type { CommanderError } from 'commander';

/** commander's own parse errors (unknown option, missing value, bad choice), tagged with the command. */
export class CommandLineError extends Error {
  readonly commandPath: string;
  readonly commanderCode: string;

  constructor(err: CommanderError, commandPath: string) {
    super(err.message.replace(/^error:\s*/i, ''));
    this.name = 'CommandLineError';
    this.commandPath = commandPath;
    this.commanderCode = err.code;
  }
}
