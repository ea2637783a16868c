import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const list = (separator: RegExp) =>
  z.string().transform((s) =>
    s
      .split(separator)
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  );

/** The coordinator's environment, parsed once at start. */
export const coordinatorEnvSchema = z
  .object({
    PORT: port.default(8080),
    GRPC_PORT: port.default(50051),
    HOST: z.string().default('0.0.0.0'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key and BullMQ queue (lets several deployments share one Redis). */
    REPVGG_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('repvgg'),
    REPVGG_API_TOKENS: list(/[,\s]+/).optional(),
    REPVGG_API_TOKEN_FILE: z.string().min(1).optional(),
    /** Tokens a worker must present on every rendezvous call (none: any worker may join). */
    REPVGG_WORKER_TOKENS: list(/[,\s]+/).optional(),
    REPVGG_WORKER_TOKEN_FILE: z.string().min(1).optional(),
    /** ca.crt, tls.crt, tls.key: the rendezvous speaks TLS and requires workers' certificates. */
    REPVGG_TLS_DIR: z.string().min(1).optional(),
    REPVGG_DATA_ROOTS: list(/[:,]/).pipe(z.array(z.string().startsWith('/')).min(1)),
    REPVGG_ARTIFACTS: z.string().startsWith('/'),
    REPVGG_HEARTBEAT_MS: z.coerce.number().int().min(50).default(2000),
    /** A worker silent for this long is gone; its generation ends. */
    REPVGG_HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    REPVGG_BODY_LIMIT: z.string().default('64kb'),
    /** BullMQ lock of an active shard; after a coordinator crash its shard is retaken this late. */
    REPVGG_QUEUE_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
    /** Log lines kept per job (at least; Redis trims its stream in whole nodes of ~100 lines). */
    REPVGG_LOG_LINES: z.coerce.number().int().min(1).default(10_000),
    /** The most workers GET /v1/autoscale (and the Kubernetes scaler) ever asks for. */
    REPVGG_MAX_WORKERS: z.coerce.number().int().min(1).max(10_000).default(64),
    /** `kubernetes`: the coordinator scales the worker StatefulSet itself (instead of KEDA). */
    REPVGG_SCALER: z.enum(['none', 'kubernetes']).default('none'),
    /** The StatefulSet the Kubernetes scaler patches, `[namespace/]name` (default: its own namespace). */
    REPVGG_SCALER_TARGET: z
      .string()
      .regex(/^([a-z0-9-]+\/)?[a-z0-9-]+$/, 'must be [namespace/]statefulset')
      .default('repvgg-worker'),
    /** How often the Kubernetes scaler compares the desired workers with the StatefulSet's scale. */
    REPVGG_SCALER_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
    /** The Kubernetes scaler's kubeconfig; unset in a pod, which uses its service account. */
    KUBECONFIG: z.string().min(1).optional(),
  })
  .refine((e) => e.REPVGG_API_TOKENS !== undefined || e.REPVGG_API_TOKEN_FILE !== undefined, {
    error: 'set REPVGG_API_TOKENS or REPVGG_API_TOKEN_FILE',
    path: ['REPVGG_API_TOKENS'],
  });
export type CoordinatorEnv = z.infer<typeof coordinatorEnvSchema>;
