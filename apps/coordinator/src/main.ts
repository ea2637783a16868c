import { installFatalErrorPolicy } from '@repvgg/contracts/process/fatal-error.policy';
import { ConfigError } from './config/config.error';
import { startCoordinator } from './coordinator';

installFatalErrorPolicy('coordinator');
startCoordinator().then(
  (running) => {
    const stop = (): void => {
      // A close that fails is an unhandled rejection: the policy reports it and exits non-zero.
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
