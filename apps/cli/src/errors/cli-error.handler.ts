import { CommandLineError } from './command-line.error';
import { EXIT_FAILURE, EXIT_USAGE, ExitCodeError } from './exit-code.error';
import { describeUsageError } from './usage-error-kinds';

export { EXIT_FAILURE, EXIT_USAGE } from './exit-code.error';

/** Help and --version go through commander's exit path too; they are successes. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

/** One line without a trailing full stop, so that `; <what to do>` can follow. */
const oneLine = (text: string): string =>
  text
    .split(/\s*\n\s*/)
    .filter((l) => l.length > 0)
    .join('; ')
    .replace(/\.\s*$/, '');

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** Prints one `repvgg: …` line for a failure and returns the process exit code. */
export function reportCliError(err: unknown, writeErr: (line: string) => void): number {
  if (err instanceof CommandLineError) {
    if (COMMANDER_SUCCESS.has(err.commanderCode)) return 0;
    // commander already printed the help text when a command was called without a subcommand.
    if (err.commanderCode === 'commander.help') return EXIT_USAGE;
    writeErr(`repvgg: ${oneLine(err.message)}; run '${err.commandPath} --help' for the usage\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ExitCodeError) {
    writeErr(`repvgg: ${oneLine(err.message)}\n`);
    return err.exitCode;
  }
  const usage = describeUsageError(err);
  if (usage !== undefined) {
    writeErr(`repvgg: ${oneLine(usage)}\n`);
    return EXIT_USAGE;
  }
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
    writeErr(
      `repvgg: ${oneLine(err instanceof Error ? err.message : String(err))}; check the path\n`,
    );
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  const remedy = message.includes('; ') ? '' : '; rerun with REPVGG_DEBUG=1 for the stack trace';
  writeErr(`repvgg: ${oneLine(message)}${remedy}\n`);
  if (process.env.REPVGG_DEBUG === '1' && err instanceof Error && err.stack !== undefined) {
    writeErr(`${err.stack}\n`);
  }
  return EXIT_FAILURE;
}
