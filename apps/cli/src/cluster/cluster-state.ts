import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors/usage.error';

/** Where `repvgg cluster up` keeps a local cluster unless `--dir` / `REPVGG_CLUSTER_DIR` say otherwise. */
export const DEFAULT_CLUSTER_DIR = '.repvgg/cluster';
/** The state file inside the cluster directory; written by `cluster up`, read by every client command. */
export const CLUSTER_STATE_FILE = 'cluster.json';
/** The API token file inside the cluster directory (mode 0600). */
export const CLUSTER_TOKEN_FILE = 'token';

export const clusterProcessSchema = z.object({
  role: z.enum(['supervisor', 'redis', 'coordinator', 'worker']),
  name: z.string(),
  pid: z.number().int().min(1),
  /** Its log file, or `-` for the supervisor of a foreground cluster (it writes to the terminal). */
  log: z.string(),
  /** Set by the supervisor when the process ended while the cluster was up. */
  exited: z
    .object({
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      at: z.iso.datetime(),
    })
    .optional(),
});
export type ClusterProcess = z.infer<typeof clusterProcessSchema>;

/** What a running local cluster tells its clients: where to reach it and which processes it owns. */
export const clusterStateSchema = z.object({
  version: z.literal(1),
  dir: z.string(),
  coordinatorUrl: z.url(),
  /** The rendezvous gRPC address workers dial, `host:port`. */
  rendezvous: z.string(),
  tokenFile: z.string(),
  redis: z.object({
    url: z.string(),
    /** True when the cluster started its own redis-server (AOF in the cluster directory). */
    managed: z.boolean(),
    /** REPVGG_REDIS_PREFIX of the coordinator: clusters sharing one Redis do not collide. */
    prefix: z.string(),
  }),
  dataRoots: z.array(z.string()),
  artifacts: z.string(),
  detached: z.boolean(),
  startedAt: z.iso.datetime(),
  processes: z.array(clusterProcessSchema),
});
export type ClusterState = z.infer<typeof clusterStateSchema>;

/** The cluster directory a command uses: its `--dir`, else `REPVGG_CLUSTER_DIR`, else the default. */
export function clusterDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.REPVGG_CLUSTER_DIR ?? DEFAULT_CLUSTER_DIR);
}

/** The state of the local cluster in `dir`, or undefined when none was brought up there. */
export function readClusterState(dir: string): ClusterState | undefined {
  const file = join(dir, CLUSTER_STATE_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not valid JSON`, 'run `repvgg cluster down` and `up` again');
  }
  const state = clusterStateSchema.safeParse(parsed);
  if (!state.success) {
    throw new UsageError(
      `${file} is not a cluster state this version understands`,
      'run `repvgg cluster down` and `up` again',
    );
  }
  return state.data;
}

/** Writes the state atomically (a reader never sees half a file). */
export function writeClusterState(dir: string, state: ClusterState): void {
  const file = join(dir, CLUSTER_STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(clusterStateSchema.parse(state), null, 2)}\n`);
  renameSync(tmp, file);
}

export function removeClusterState(dir: string): void {
  rmSync(join(dir, CLUSTER_STATE_FILE), { force: true });
}
