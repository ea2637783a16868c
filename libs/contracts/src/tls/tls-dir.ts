import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import type { TlsPaths } from './tls-files';

/**
 * The file names inside a TLS directory (`--tls-dir` / REPVGG_TLS_DIR): the keys of a
 * `kubernetes.io/tls` Secret as cert-manager writes it, so the Secret mounts as the directory.
 */
export const TLS_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/** The DNS name every worker certificate carries; workers check each other's certificates for it. */
export const WORKER_SERVER_NAME = 'repvgg-worker';

/** A TLS directory that cannot be used; the message is one line naming the file and the cause. */
export class TlsDirError extends Error {
  override readonly name = 'TlsDirError';
}

/** The three file paths of a TLS directory (not checked). */
export function tlsPathsIn(dir: string): TlsPaths {
  return {
    caFile: join(dir, TLS_FILES.ca),
    certFile: join(dir, TLS_FILES.cert),
    keyFile: join(dir, TLS_FILES.key),
  };
}

const readable = (file: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new TlsDirError(
      `cannot read the TLS file ${file} (${code}): the directory needs ${Object.values(TLS_FILES).join(', ')}`,
    );
  }
};

/**
 * The paths of `dir`'s files once all three are readable PEM and the key belongs to the
 * certificate (the same check Node makes when it first uses them, made at start instead).
 */
export function checkTlsDir(dir: string): TlsPaths {
  const paths = tlsPathsIn(dir);
  const [ca, cert, key] = [paths.caFile, paths.certFile, paths.keyFile].map(readable);
  try {
    createSecureContext({ ca, cert, key });
  } catch (err) {
    throw new TlsDirError(
      `the TLS files in ${dir} are unusable (${(err as Error).message}): ${TLS_FILES.cert} and ${TLS_FILES.key} must be a PEM certificate and its key, ${TLS_FILES.ca} the PEM CA`,
    );
  }
  return paths;
}
