import { createServer } from 'node:net';
import { UsageError } from '../errors/usage.error';

/** The port the coordinator's REST API prefers, as in the Kubernetes manifests. */
export const PREFERRED_HTTP_PORT = 8080;

function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => {
        resolve(bound);
      });
    });
  });
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return (await listenOnce(port, host)) !== undefined;
}

/** A port the OS considers free right now (another process may still take it before we do). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const port = await listenOnce(0, host);
  if (port === undefined) throw new Error(`cannot find a free port on ${host}`);
  return port;
}

/**
 * The port asked for (which must be free), else `preferred` when free, else any free port.
 * `flag` names the option in the error.
 */
export async function choosePort(
  asked: number | undefined,
  flag: string,
  preferred?: number,
): Promise<number> {
  if (asked !== undefined) {
    if (asked !== 0 && !(await isPortFree(asked))) {
      throw new UsageError(`port ${asked} is in use`, `pass another ${flag} or leave it out`);
    }
    return asked === 0 ? freePort() : asked;
  }
  if (preferred !== undefined && (await isPortFree(preferred))) return preferred;
  return freePort();
}
