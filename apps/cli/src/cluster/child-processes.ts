import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClusterProcess } from './cluster-state';

/** `node bin/repvgg.js`: the entry of this package (it runs dist/), found from this file upwards. */
export function repvggCommand(): { command: string; args: string[] } {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const bin = join(dir, 'bin', 'repvgg.js');
    if (existsSync(bin) && existsSync(join(dir, 'package.json'))) {
      return { command: process.execPath, args: [bin] };
    }
    if (dirname(dir) === dir) throw new Error(`bin/repvgg.js not found above ${__dirname}`);
  }
}

export interface ChildSpec {
  readonly role: Exclude<ClusterProcess['role'], 'supervisor'>;
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Its stdout and stderr are appended here. */
  readonly log: string;
}

interface Child {
  readonly spec: ChildSpec;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<NonNullable<ClusterProcess['exited']>>;
  exit?: NonNullable<ClusterProcess['exited']>;
}

/** The last non-empty line of a log: usually the one that says why a process ended. */
export function lastLogLine(file: string): string {
  let last: string;
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    last = lines.findLast((l) => l.trim().length > 0)?.trim() ?? '';
  } catch {
    return '';
  }
  // The services log JSON lines (pino): their message is what a person needs here.
  try {
    const parsed: unknown = JSON.parse(last);
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed) return String(parsed.msg);
  } catch {
    // a plain line (a crash report, another program's output)
  }
  return last;
}

/** The processes a supervisor started, with their exits; each in its own process group. */
export class ChildProcesses {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(private readonly onUnexpectedExit: (p: ClusterProcess) => void) {}

  /** Starts a process; rejects when it cannot start at all (e.g. ENOENT: not installed). */
  async spawn(spec: ChildSpec): Promise<number> {
    const fd = openSync(spec.log, 'a');
    writeSync(fd, `--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    // Own process group: a Ctrl-C on the terminal reaches only the supervisor, which then stops
    // the children in order (Redis last) instead of all at once.
    const proc = spawn(spec.command, [...spec.args], {
      env: spec.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const pid = await new Promise<number>((resolve, reject) => {
      proc.once('spawn', () => {
        resolve(proc.pid ?? 0);
      });
      proc.once('error', reject);
    });
    const child: Child = {
      spec,
      proc,
      pid,
      exited: new Promise((resolve) => {
        proc.once('exit', (code, signal) => {
          resolve({ code, signal, at: new Date().toISOString() });
        });
      }),
    };
    void child.exited.then((exit) => {
      child.exit = exit;
      if (!this.stopping) this.onUnexpectedExit(this.describe(child));
    });
    this.children.push(child);
    return pid;
  }

  /** Resolves when the named child ends, with how it ended. */
  exitOf(name: string): Promise<NonNullable<ClusterProcess['exited']>> {
    const child = this.children.find((c) => c.spec.name === name);
    if (child === undefined) throw new RangeError(`no child named ${name}`);
    return child.exited;
  }

  list(): ClusterProcess[] {
    return this.children.map((c) => this.describe(c));
  }

  /** From now on an exit is expected, not news. */
  markStopping(): void {
    this.stopping = true;
  }

  /** A second Ctrl-C: no more grace. */
  killAll(): void {
    this.stopping = true;
    for (const c of this.children) if (c.exit === undefined) c.proc.kill('SIGKILL');
  }

  private describe(c: Child): ClusterProcess {
    return {
      role: c.spec.role,
      name: c.spec.name,
      pid: c.pid,
      log: c.spec.log,
      ...(c.exit === undefined ? {} : { exited: c.exit }),
    };
  }
}
