import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors/usage.error';
import { CLUSTER_TOKEN_FILE } from './cluster-state';

/** 32 random bytes: 64 hex characters, far above the coordinator's 16-character minimum. */
const TOKEN_BYTES = 32;

export interface ClusterToken {
  readonly file: string;
  /** True when this call generated it (the first `up` in the directory). */
  readonly created: boolean;
}

/** A fresh token: TOKEN_BYTES from the CSPRNG, hex. */
export const newToken = (): string => randomBytes(TOKEN_BYTES).toString('hex');

/** The token the cluster's workers present on every rendezvous call (the coordinator's REPVGG_WORKER_TOKEN_FILE). */
export const CLUSTER_WORKER_TOKEN_FILE = 'worker-token';

/**
 * The cluster's API token (or, with `name` CLUSTER_WORKER_TOKEN_FILE, its worker token): generated
 * once and kept, so clients and scripts holding it keep working across `down` / `up`. Only the
 * owner may read it (mode 0600).
 */
export function ensureClusterToken(dir: string, name = CLUSTER_TOKEN_FILE): ClusterToken {
  const file = join(dir, name);
  if (existsSync(file)) {
    if (readFileSync(file, 'utf8').trim().length < 16) {
      throw new UsageError(
        `the token file ${file} holds no token of at least 16 characters`,
        'delete it and run `repvgg cluster up` again to generate one',
      );
    }
    // A copy or an editor may have widened the mode; the token grants full API access.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { file, created: false };
  }
  writeFileSync(file, `${newToken()}\n`, { mode: 0o600, flag: 'wx' });
  return { file, created: true };
}
