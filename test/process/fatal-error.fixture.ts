import { installFatalErrorPolicy } from '@repvgg/contracts/process/fatal-error.policy';

/**
 * A service that installs the fatal-error policy, then fails the way argv[2] says, with a cause.
 * Without the policy Node would print the error without saying which service it was, and exit 1.
 */
installFatalErrorPolicy('fixture-service');
const error = new Error('the store went away mid-write', { cause: new Error('ECONNRESET') });
const keepAlive = setInterval(() => undefined, 1_000);
if (process.argv[2] === 'rejection') {
  void Promise.reject(error);
} else {
  setTimeout(() => {
    throw error;
  }, 10);
}
setTimeout(() => {
  clearInterval(keepAlive);
  process.stdout.write('still running\n');
}, 5_000);
