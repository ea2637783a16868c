import { writeSync } from 'node:fs';
import { inspect } from 'node:util';

/**
 * Exit code of a process that stopped on an error nothing handled (sysexits' EX_SOFTWARE): its
 * supervisor (Kubernetes, systemd, `repvgg cluster`) restarts it, and the code tells this apart
 * from a usage error (2) or a clean stop (0).
 */
export const FATAL_EXIT_CODE = 70;

export interface FatalErrorPolicyOptions {
  /** Writes one report; default: straight to stderr, synchronously, so it is out before the exit. */
  readonly write?: (text: string) => void;
  readonly exit?: (code: number) => void;
}

let installed = false;

/**
 * The process-level policy of a long-running service (the coordinator, a worker): an unhandled
 * promise rejection or an uncaught exception is a bug whose effects are unknown (a half-written
 * state, a timer that stopped), so the process reports it with its context — which service, its
 * pid, how it surfaced, the error with its stack and causes — and exits with FATAL_EXIT_CODE to be
 * restarted from its durable state, instead of running on in an unknown one. Installed once per
 * process; later calls do nothing.
 */
export function installFatalErrorPolicy(service: string, opts: FatalErrorPolicyOptions = {}): void {
  if (installed) return;
  installed = true;
  const write = opts.write ?? ((text: string) => writeSync(2, text));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const stop = (how: string, error: unknown): void => {
    try {
      write(
        `${service} (pid ${process.pid}): ${how}, exiting with code ${FATAL_EXIT_CODE} to be restarted: ${inspect(error, { depth: 4 })}\n`,
      );
    } finally {
      exit(FATAL_EXIT_CODE);
    }
  };
  process.on('unhandledRejection', (reason) => {
    stop('unhandled promise rejection', reason);
  });
  process.on('uncaughtException', (error) => {
    stop('uncaught exception', error);
  });
}
