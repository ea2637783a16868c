import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeUsageError } from '../errors/usage-error-kinds';
import { UsageError } from '../errors/usage.error';
import { repvggCommand } from './child-processes';
import { clusterStateSchema, type ClusterState } from './cluster-state';
import type { ClusterOptions } from './cluster.start';
import { dataRootsOf } from './data-roots';
import { superviseCluster } from './supervisor.run';
import { ClusterRunningError, lockHolder } from './supervisor-lock';

/** What `up --detach` hands its supervisor: the options that survive JSON. */
export const superviseOptionsSchema = z.object({
  dir: z.string(),
  workers: z.number().int().min(1).optional(),
  dataRoots: z.array(z.string()).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  grpcPort: z.number().int().min(0).max(65_535).optional(),
  backend: z.string().optional(),
  readyTimeoutMs: z.number().int().min(1).optional(),
});
export type SuperviseOptions = z.infer<typeof superviseOptionsSchema>;

const supervisorMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('log'), line: z.string() }),
  z.object({ kind: z.literal('ready'), state: clusterStateSchema }),
  z.object({ kind: z.literal('failed'), message: z.string(), usage: z.boolean() }),
]);
type SupervisorMessage = z.infer<typeof supervisorMessageSchema>;

/** The supervisor's one-line failure, re-raised in `up` with the same exit code (2 for usage). */
class SupervisorUsageError extends UsageError {
  constructor(message: string) {
    super(message, '');
    this.message = message;
  }
}

const supervisorLog = (dir: string): string => join(dir, 'logs', 'supervisor.log');

/**
 * `up --detach`: starts a supervisor process in its own session that owns the cluster, and
 * resolves with the state once the cluster is up (or rejects with the supervisor's error).
 */
export async function startDetachedCluster(
  opts: SuperviseOptions,
  say: (line: string) => void,
): Promise<ClusterState> {
  const holder = lockHolder(opts.dir);
  if (holder !== undefined) throw new ClusterRunningError(opts.dir, holder);
  // Checked here too, so a bad flag is reported before anything is created.
  dataRootsOf(opts.dataRoots);
  mkdirSync(join(opts.dir, 'logs'), { recursive: true });
  const log = supervisorLog(opts.dir);
  const fd = openSync(log, 'a');
  const bin = repvggCommand();
  const child = spawn(
    bin.command,
    [...bin.args, 'cluster', 'supervise', JSON.stringify(superviseOptionsSchema.parse(opts))],
    { detached: true, stdio: ['ignore', fd, fd, 'ipc'] },
  );
  closeSync(fd);
  // Ctrl-C while waiting: the cluster is not wanted after all.
  const interrupt = (): void => {
    child.kill('SIGTERM');
  };
  process.once('SIGINT', interrupt);
  try {
    return await new Promise<ClusterState>((resolve, reject) => {
      child.on('message', (raw) => {
        const m = supervisorMessageSchema.safeParse(raw);
        if (!m.success) return;
        if (m.data.kind === 'log') say(m.data.line);
        else if (m.data.kind === 'ready') resolve(m.data.state);
        else {
          const message = `${m.data.message.replace(/; rerun with .*$/, '')} (supervisor log ${log})`;
          reject(m.data.usage ? new SupervisorUsageError(message) : new Error(message));
        }
      });
      child.once('error', reject);
      child.once('close', (code, signal) => {
        reject(
          new Error(
            `the cluster supervisor exited (${signal ?? `code ${String(code)}`}) before the cluster was up; see ${log}`,
          ),
        );
      });
    });
  } finally {
    process.off('SIGINT', interrupt);
    if (child.connected) child.disconnect();
    child.unref();
  }
}

/** The hidden `cluster supervise` command: the detached supervisor's side of `startDetachedCluster`. */
export async function runDetachedSupervisor(opts: SuperviseOptions): Promise<void> {
  const send = (m: SupervisorMessage): void => {
    if (process.connected) process.send?.(m);
  };
  const say = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    send({ kind: 'log', line });
  };
  const cluster: ClusterOptions = {
    ...opts,
    detached: true,
    supervisorLog: supervisorLog(opts.dir),
    log: say,
  };
  try {
    await superviseCluster(cluster, (state) => {
      send({ kind: 'ready', state });
      // `up` has returned; nothing is left to tell it.
      if (process.connected) process.disconnect();
    });
  } catch (err) {
    const usage = describeUsageError(err);
    const message = usage ?? (err instanceof Error ? err.message : String(err));
    send({ kind: 'failed', message, usage: usage !== undefined });
    throw err;
  }
}
