/**
 * Ends the process quietly when the reader of stdout goes away (`repvgg jobs --json | head -1`,
 * `repvgg convert --help | head`), as Unix tools do: without this, the next write raises EPIPE and
 * Node prints an unhandled 'error' event with its stack. Exit code 0: what was wanted was read.
 */
export function exitOnClosedStdout(stdout: NodeJS.WriteStream = process.stdout): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}
