import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { clusterStateSchema } from '../../apps/cli/src/cluster/cluster-state';
import { freePort } from '../../apps/cli/src/cluster/ports';
import { ROOT } from './cli-harness';

export const BIN = join(ROOT, 'bin', 'repvgg.js');

/** `cluster status --json`: the state plus each process's liveness. */
export const statusSchema = clusterStateSchema.extend({
  ready: z.boolean(),
  processes: z.array(clusterStateSchema.shape.processes.element.extend({ alive: z.boolean() })),
});

export const readState = (dir: string): z.infer<typeof clusterStateSchema> =>
  clusterStateSchema.parse(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')));

/** A loopback port nothing listens on (it was free a moment ago). */
export const closedPort = freePort;

/** process.kill(pid, 0): true while a process with that pid exists (zombies included). */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pids of `pids` that still exist after up to `timeoutMs`. A stopped process can linger a
 * moment as a zombie until its new parent (init) reaps it, so this polls instead of asking once.
 */
export async function survivors(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(exists);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern`; rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `repvgg <args>` as a long-running child process with its stdout and stderr collected. */
export function spawnRepvgg(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    output: () => text,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (ended) throw new Error(`repvgg ${args.join(' ')} exited before ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** `repvgg cluster up --detach` with 2 workers on a free REST port, reading `dataRoot`. */
export const detachedUpArgs = (dir: string, dataRoot: string): string[] => [
  'cluster',
  'up',
  '--detach',
  '--workers',
  '2',
  '--dir',
  dir,
  '--data-root',
  dataRoot,
  '--port',
  '0',
];
