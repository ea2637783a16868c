import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DataPlane, TlsPaths } from '@repvgg/collective';
import { forkTs } from '../support/fork-ts';
import type { MemberCommand, MemberReply } from './ring-member.fixture';

export type Outcome = Extract<MemberReply, { type: 'done' | 'error' }>;

/** One forked ring member and its reply queue. */
class Member {
  readonly process: ChildProcess;
  private readonly inbox: MemberReply[] = [];
  private wake: (() => void) | undefined;
  private exited = false;

  constructor() {
    this.process = forkTs(join(__dirname, 'ring-member.fixture.ts'));
    this.process.on('message', (m: MemberReply) => {
      this.inbox.push(m);
      this.wake?.();
    });
    this.process.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  async ask<T extends MemberReply['type']>(
    command: MemberCommand,
    ...types: T[]
  ): Promise<Extract<MemberReply, { type: T }>> {
    this.process.send(command);
    for (;;) {
      const m = this.inbox.shift();
      if (m !== undefined) {
        if (!(types as string[]).includes(m.type)) {
          throw new Error(`member replied ${JSON.stringify(m)}, expected ${types.join('|')}`);
        }
        return m as Extract<MemberReply, { type: T }>;
      }
      if (this.exited)
        throw new Error(`member process exited while waiting for ${types.join('|')}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

export interface ClusterOptions {
  /** Default 'tcp', the production default. */
  dataPlane?: DataPlane;
  floorMs?: number;
  chunkBytes?: number;
  tls?: TlsPaths;
  /**
   * Lets a test route member i's connections to member j (gRPC and data plane alike) through a proxy:
   * returns the address to use.
   */
  route?: (from: number, to: number, port: number) => Promise<string>;
}

/** N ring members in separate processes on loopback, joined into generation 1 of job "test". */
export class RingCluster {
  private constructor(readonly members: Member[]) {}

  static async start(n: number, options: ClusterOptions = {}): Promise<RingCluster> {
    const members = Array.from({ length: n }, () => new Member());
    const cluster = new RingCluster(members);
    const listen: MemberCommand =
      options.tls === undefined ? { type: 'listen' } : { type: 'listen', tls: options.tls };
    const listening = await Promise.all(members.map((m) => m.ask(listen, 'listening')));
    const ports = listening.map((l) => l.port);
    const dataPlane = options.dataPlane ?? 'tcp';
    const route =
      options.route ??
      ((_from: number, _to: number, port: number) => Promise.resolve(`127.0.0.1:${port}`));
    await Promise.all(
      members.map(async (m, rank) => {
        const peers = await Promise.all(ports.map((port, to) => route(rank, to, port)));
        const dataPeers =
          options.route === undefined || dataPlane !== 'tcp'
            ? undefined
            : await Promise.all(listening.map((l, to) => route(rank, to, l.dataPort)));
        await m.ask(
          {
            type: 'join',
            rank,
            peers,
            dataPlane,
            ...(dataPeers === undefined ? {} : { dataPeers }),
            job: 'test',
            generation: 1,
            token: 'generation-1-token',
            floorMs: options.floorMs ?? 5000,
            chunkBytes: options.chunkBytes ?? 1 << 20,
          },
          'joined',
        );
      }),
    );
    return cluster;
  }

  /** Sends each member its command (by rank) and waits for all outcomes. */
  run(command: (rank: number) => MemberCommand, ranks?: number[]): Promise<Outcome[]> {
    const targets = ranks ?? this.members.map((_, r) => r);
    return Promise.all(targets.map((r) => this.members[r].ask(command(r), 'done', 'error')));
  }

  signal(rank: number, signal: NodeJS.Signals): void {
    this.members[rank].process.kill(signal);
  }

  /** Resumes frozen members and kills everyone: nothing may outlive a test. */
  stop(): void {
    for (const m of this.members) {
      if (m.process.exitCode !== null || m.process.signalCode !== null) continue;
      m.process.kill('SIGCONT');
      m.process.kill('SIGKILL');
    }
  }
}
