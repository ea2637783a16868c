import { buildProgram } from './cli.program';
import { reportCliError } from './errors/cli-error.handler';
import { exitOnClosedStdout } from './io/closed-pipe';

exitOnClosedStdout();

buildProgram()
  .parseAsync(process.argv)
  .then(
    () => {
      // A command that ended on purpose with another code (130 after Ctrl-C) keeps it.
      process.exitCode ??= 0;
    },
    (err: unknown) => {
      process.exitCode = reportCliError(err, (line) => process.stderr.write(line));
    },
  );
