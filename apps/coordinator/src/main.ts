import { ConfigError } from './config/config.error';
import { startCoordinator } from './coordinator';

startCoordinator().then(
  (running) => {
    const stop = (): void => {
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
