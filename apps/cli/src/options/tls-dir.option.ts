import { resolve } from 'node:path';
import { checkTlsDir, TLS_FILES, TlsDirError } from '@repvgg/contracts/tls/tls-dir';
import type { TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { UsageError } from '../errors/usage.error';

export const TLS_DIR_FLAGS = '--tls-dir <dir>';
export const TLS_DIR_HELP = `mutual TLS: a directory with ${Object.values(TLS_FILES).join(', ')} (a kubernetes.io/tls Secret's keys); default: REPVGG_TLS_DIR, else plaintext`;

/** `--tls-dir`, else REPVGG_TLS_DIR, as an absolute directory; undefined: plaintext. */
export function tlsDirOf(flag: string | undefined): string | undefined {
  const dir = flag ?? process.env.REPVGG_TLS_DIR;
  return dir === undefined || dir === '' ? undefined : resolve(dir);
}

/** The checked files of `tlsDirOf(flag)`; a missing or unusable file is a usage error (exit 2). */
export function tlsPathsOf(flag: string | undefined): TlsPaths | undefined {
  const dir = tlsDirOf(flag);
  if (dir === undefined) return undefined;
  try {
    return checkTlsDir(dir);
  } catch (err) {
    if (err instanceof TlsDirError)
      throw new UsageError(err.message, 'check --tls-dir or REPVGG_TLS_DIR');
    throw err;
  }
}
