import { readFileSync } from 'node:fs';
import { clusterDir, readClusterState } from '../cluster/cluster-state';
import { UsageError } from '../errors/usage.error';

/** `--coordinator`, `--token`, `--cluster-dir` as a client command received them. */
export interface ConnectionFlags {
  readonly coordinator?: string;
  readonly token?: string;
  readonly clusterDir?: string;
}

/** Where the client sends its requests and with which token. */
export interface Connection {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly token: string | undefined;
  /** Where the token came from, for error messages; undefined when there is none. */
  readonly tokenSource: string | undefined;
}

function normalizeUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `${source} "${raw}" is not a URL`,
      'give the coordinator as http://HOST:PORT',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} "${raw}" is not http(s)`, 'give it as http://HOST:PORT');
  }
  return url.href.replace(/\/+$/, '');
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(
      `cannot read the cluster's token file ${file} (${code})`,
      'run as the user who ran `repvgg cluster up`, or pass --token',
    );
  }
  return text.trim();
}

/**
 * The coordinator and token of a client command: the flags, else REPVGG_COORDINATOR /
 * REPVGG_TOKEN, else the local cluster in `--cluster-dir` (REPVGG_CLUSTER_DIR, `.repvgg/cluster`).
 * The cluster's token file is only used for the cluster's own coordinator, so that its token is
 * never sent to another server.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const dir = clusterDir(flags.clusterDir, env);
  const cluster = readClusterState(dir);
  const explicit =
    flags.coordinator !== undefined
      ? normalizeUrl(flags.coordinator, '--coordinator')
      : env.REPVGG_COORDINATOR !== undefined && env.REPVGG_COORDINATOR !== ''
        ? normalizeUrl(env.REPVGG_COORDINATOR, 'REPVGG_COORDINATOR')
        : undefined;
  const clusterUrl =
    cluster === undefined ? undefined : normalizeUrl(cluster.coordinatorUrl, `${dir}/cluster.json`);
  const url = explicit ?? clusterUrl;
  if (url === undefined) {
    throw new UsageError(
      `no coordinator given and no local cluster in ${dir}`,
      'start one with `repvgg cluster up`, or pass --coordinator URL (or set REPVGG_COORDINATOR)',
    );
  }
  if (flags.token !== undefined) return { url, token: flags.token, tokenSource: '--token' };
  if (env.REPVGG_TOKEN !== undefined && env.REPVGG_TOKEN !== '') {
    return { url, token: env.REPVGG_TOKEN, tokenSource: 'REPVGG_TOKEN' };
  }
  if (cluster !== undefined && url === clusterUrl) {
    return { url, token: readToken(cluster.tokenFile), tokenSource: cluster.tokenFile };
  }
  return { url, token: undefined, tokenSource: undefined };
}
