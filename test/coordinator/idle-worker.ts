import * as grpc from '@grpc/grpc-js';
import type {
  Assignment__Output,
  LogBatch,
  RendezvousClient,
  LogReply__Output,
} from '@repvgg/contracts';
import { loadRendezvousProto } from '../../apps/coordinator/src/rendezvous/rendezvous.grpc-server';

/**
 * A worker as the rendezvous sees it, over real gRPC, that never trains: it registers, heartbeats
 * and watches its assignments (so a job it joins stays running), and sends log batches.
 */
export class IdleWorker {
  id = '';
  assignment: Assignment__Output | null = null;
  private readonly client: RendezvousClient;
  private heartbeat: NodeJS.Timeout | undefined;
  private watch: grpc.ClientReadableStream<Assignment__Output> | undefined;

  constructor(grpcPort: number) {
    const proto = loadRendezvousProto();
    this.client = new proto.repvgg.rendezvous.v1.Rendezvous(
      `127.0.0.1:${grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  }

  async start(): Promise<this> {
    const reply = await new Promise<{ workerId: string; heartbeatMs: number }>(
      (resolve, reject) => {
        this.client.register({ address: '127.0.0.1:1', backend: 'cpu' }, (err, res) => {
          if (err !== null || res === undefined) reject(err ?? new Error('empty reply'));
          else resolve(res);
        });
      },
    );
    this.id = reply.workerId;
    this.heartbeat = setInterval(() => {
      this.client.heartbeat({ workerId: this.id }, () => undefined);
    }, reply.heartbeatMs);
    this.watch = this.client.watch({ workerId: this.id });
    this.watch.on('data', (a: Assignment__Output) => {
      this.assignment = a;
      this.onAssignment(a);
    });
    this.watch.on('error', () => undefined);
    return this;
  }

  /** What a subclass does with each assignment (this worker ignores them). */
  protected onAssignment(_a: Assignment__Output): void {
    // idle: a job it joins stays running without a step
  }

  /** ReportFailure as this worker for `a`'s generation, blaming no peer. */
  protected reportFailure(a: Assignment__Output, message: string): void {
    this.client.reportFailure(
      { workerId: this.id, jobId: a.jobId, generation: a.generation, failedWorkerId: '', message },
      () => undefined,
    );
  }

  /** ReportLogs as this worker; resolves with whether the coordinator accepted the batch. */
  reportLogs(batch: Omit<LogBatch, 'workerId'>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.client.reportLogs({ ...batch, workerId: this.id }, (err, res?: LogReply__Output) => {
        if (err !== null || res === undefined) reject(err ?? new Error('empty reply'));
        else resolve(res.accepted);
      });
    });
  }

  stop(): void {
    clearInterval(this.heartbeat);
    this.watch?.cancel();
    this.client.close();
  }
}
