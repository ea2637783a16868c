import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** A worker's end of a data link: its cgroup (by path under the cgroup2 root) and data port. */
export interface LinkEnd {
  readonly cgroup: string;
  readonly dataPort: number;
}

/** The cgroup2 mount point, from /proc/self/mountinfo (hybrid hosts mount it at …/unified). */
function cgroup2Root(): string {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // `id parent major:minor root mount-point options … - fstype source options`
    const [mount = '', fs = ''] = line.split(' - ', 2);
    const point = mount.split(' ').at(4);
    if (fs.startsWith('cgroup2 ') && point !== undefined) return point;
  }
  throw new Error('no cgroup2 file system is mounted: cut-link needs one (mount -t cgroup2 …)');
}

/** Set by the process that entered the namespace: the namespace it came from. */
export const OUTER_NETNS_ENV = 'REPVGG_CHAOS_OUTER_NETNS';

/** This process' network namespace, as /proc names it (`net:[…]`). */
export function netnsId(): string {
  return readlinkSync('/proc/self/ns/net');
}

/**
 * True when this process runs in a network namespace entered for it (`unshare --net` by the chaos
 * bench, which records the namespace it left in OUTER_NETNS_ENV). Comparing with pid 1 is not
 * enough: a container's processes may share a namespace of their own with each other.
 */
export function inPrivateNetns(): boolean {
  const outer = process.env[OUTER_NETNS_ENV];
  return outer !== undefined && outer !== '' && outer !== netnsId();
}

function iptables(args: readonly string[]): void {
  const r = spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`iptables ${args.join(' ')}: ${(r.stderr || String(r.error)).trim()}`);
  }
}

/**
 * Cuts and heals data links between workers of a chaos run, in this run's private network
 * namespace (nothing outside it is touched). Each worker runs in a cgroup of its own, and every
 * TCP connection a worker opens is marked with the worker's number (conntrack's connmark, set on
 * its SYN). A data link is a connection its receiver opens to the sender's data port, so cutting
 * A and B drops every packet, either way, of the connections B opened to A's data port and A
 * opened to B's: their chunks, ACKs and SYNs go nowhere — no reset, as when a cable dies —
 * while heartbeats, gRPC and the links to every other member keep flowing.
 */
export class LinkCutter {
  private readonly root = cgroup2Root();
  private readonly base = `repvgg-chaos-${process.pid}`;
  private readonly made: string[] = [];
  private readonly marks = new Map<string, number>();

  constructor() {
    if (!inPrivateNetns()) {
      throw new Error(
        'cut-link needs a private network namespace: run `npm run chaos` (it enters one with unshare) or leave cut-link out',
      );
    }
    mkdirSync(join(this.root, this.base), { recursive: true });
  }

  /** The cgroup for a process named `name` (created here), its connections marked from now on. */
  cgroupFor(name: string): string {
    const rel = `${this.base}/${name}`;
    mkdirSync(join(this.root, rel), { recursive: true });
    this.made.push(rel);
    const mark = this.marks.size + 1;
    this.marks.set(rel, mark);
    iptables([
      '-A',
      'OUTPUT',
      '-m',
      'cgroup',
      '--path',
      rel,
      '-m',
      'conntrack',
      '--ctstate',
      'NEW',
      '-j',
      'CONNMARK',
      '--set-mark',
      String(mark),
    ]);
    return rel;
  }

  /** `command args` run in the cgroup from its first instruction (so every socket is in it). */
  wrap(
    cgroup: string,
    command: string,
    args: readonly string[],
  ): { command: string; args: string[] } {
    const procs = join(this.root, cgroup, 'cgroup.procs');
    return {
      command: 'sh',
      args: ['-c', `echo $$ > '${procs}' && exec "$0" "$@"`, command, ...args],
    };
  }

  /** Drops every packet of the two ends' data links to each other; returns the healing. */
  cut(a: LinkEnd, b: LinkEnd): () => void {
    const pairs: [opener: LinkEnd, sender: LinkEnd][] = [
      [b, a],
      [a, b],
    ];
    const rules = pairs.flatMap(([opener, sender]) => {
      const mark = this.marks.get(opener.cgroup);
      if (mark === undefined) {
        throw new Error(`no connection mark for ${opener.cgroup}: start it with cgroupFor`);
      }
      return ['--dport', '--sport'].map((side) => [
        'OUTPUT',
        '-m',
        'connmark',
        '--mark',
        String(mark),
        '-p',
        'tcp',
        side,
        String(sender.dataPort),
        '-j',
        'DROP',
      ]);
    });
    for (const r of rules) iptables(['-A', ...r]);
    return () => {
      for (const r of rules) iptables(['-D', ...r]);
    };
  }

  /** Removes the cgroups once their processes are gone. */
  dispose(): void {
    for (const rel of [...this.made.reverse(), this.base]) {
      try {
        rmdirSync(join(this.root, rel));
      } catch {
        // Still holding a process (it is reported as left over) or already gone.
      }
    }
  }
}
