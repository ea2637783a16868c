import { buildProgram } from './cli.program';
import { reportCliError } from './errors/cli-error.handler';

buildProgram()
  .parseAsync(process.argv)
  .then(
    () => {
      process.exitCode = 0;
    },
    (err: unknown) => {
      process.exitCode = reportCliError(err, (line) => process.stderr.write(line));
    },
  );
