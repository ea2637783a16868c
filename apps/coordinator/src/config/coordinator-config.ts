import { readFileSync } from 'node:fs';
import { coordinatorEnvSchema } from '@repvgg/contracts';
import { checkTlsDir, TlsDirError } from '@repvgg/contracts/tls/tls-dir';
import type { TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { ConfigError } from './config.error';

export interface CoordinatorConfig {
  readonly host: string;
  readonly port: number;
  readonly grpcPort: number;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly apiTokens: readonly string[];
  /** Worker tokens for the rendezvous; empty: it admits any worker (the start logs a warning). */
  readonly workerTokens: readonly string[];
  /** The rendezvous's certificate, key and the CA its workers' certificates must chain to; unset: plaintext. */
  readonly tls: TlsPaths | undefined;
  readonly dataRoots: readonly string[];
  readonly artifactsRoot: string;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly bodyLimit: string;
  readonly queueLockMs: number;
  /** Log lines kept per job (at least). */
  readonly logLines: number;
  /** GET /v1/autoscale's cap. */
  readonly maxWorkers: number;
  readonly scaler: 'none' | 'kubernetes';
  /** `[namespace/]name` of the worker StatefulSet the Kubernetes scaler patches. */
  readonly scalerTarget: string;
  readonly scalerIntervalMs: number;
  readonly kubeconfig: string | undefined;
}

export const COORDINATOR_CONFIG = Symbol('COORDINATOR_CONFIG');

/** Parses the environment once; any problem becomes one ConfigError line naming the variable. */
export function loadCoordinatorConfig(
  env: Readonly<Record<string, string | undefined>>,
): CoordinatorConfig {
  const parsed = coordinatorEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues.at(0);
    const variable = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`invalid configuration: ${variable}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const tokens = readTokens('REPVGG_API', e.REPVGG_API_TOKENS, e.REPVGG_API_TOKEN_FILE);
  if (tokens.length === 0) {
    throw new ConfigError('invalid configuration: REPVGG_API_TOKENS: no API token configured');
  }
  const workerTokens = readTokens(
    'REPVGG_WORKER',
    e.REPVGG_WORKER_TOKENS,
    e.REPVGG_WORKER_TOKEN_FILE,
  );
  return {
    tls: e.REPVGG_TLS_DIR === undefined ? undefined : tlsDir(e.REPVGG_TLS_DIR),
    host: e.HOST,
    port: e.PORT,
    grpcPort: e.GRPC_PORT,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REPVGG_REDIS_PREFIX,
    apiTokens: tokens,
    workerTokens,
    dataRoots: e.REPVGG_DATA_ROOTS,
    artifactsRoot: e.REPVGG_ARTIFACTS,
    heartbeatMs: e.REPVGG_HEARTBEAT_MS,
    heartbeatTimeoutMs: e.REPVGG_HEARTBEAT_TIMEOUT_MS,
    bodyLimit: e.REPVGG_BODY_LIMIT,
    queueLockMs: e.REPVGG_QUEUE_LOCK_MS,
    logLines: e.REPVGG_LOG_LINES,
    maxWorkers: e.REPVGG_MAX_WORKERS,
    scaler: e.REPVGG_SCALER,
    scalerTarget: e.REPVGG_SCALER_TARGET,
    scalerIntervalMs: e.REPVGG_SCALER_INTERVAL_MS,
    kubeconfig: e.KUBECONFIG,
  };
}

function tlsDir(dir: string): TlsPaths {
  try {
    return checkTlsDir(dir);
  } catch (err) {
    if (err instanceof TlsDirError) {
      throw new ConfigError(`invalid configuration: REPVGG_TLS_DIR: ${err.message}`);
    }
    throw err;
  }
}

/** `<prefix>_TOKENS` and the whitespace-separated tokens in `<prefix>_TOKEN_FILE`, each at least 16 characters. */
function readTokens(
  prefix: 'REPVGG_API' | 'REPVGG_WORKER',
  inline: readonly string[] | undefined,
  file: string | undefined,
): string[] {
  const tokens = [...(inline ?? [])];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `invalid configuration: ${prefix}_TOKEN_FILE: cannot read ${file} (${(err as Error).message})`,
      );
    }
    tokens.push(...text.split(/\s+/).filter((t) => t.length > 0));
  }
  if (tokens.some((t) => t.length < 16)) {
    throw new ConfigError(
      `invalid configuration: ${prefix}_TOKENS: every token must be at least 16 characters`,
    );
  }
  return tokens;
}
