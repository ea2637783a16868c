import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  PROTO_LOADER_OPTIONS,
  protoPath,
  type Assignment__Output,
  type EpochReport,
  type FailureReport,
  type HeartbeatReply__Output,
  type HeartbeatRequest,
  type LogBatch,
  type LogReply__Output,
  type RegisterReply__Output,
  type RegisterRequest,
  type RendezvousClient as GrpcRendezvousClient,
  type RendezvousProto,
  type StepReply__Output,
  type StepReport,
} from '@repvgg/contracts';
import { dialTls } from '@repvgg/contracts/tls/ip-address-dial';
import { readTls, type TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { CoordinatorTlsError, RendezvousCallError, WorkerTokenError } from './worker.error';

/** Bounds every unary call, so a coordinator that hangs surfaces as an error instead of a stall. */
const CALL_DEADLINE_MS = 10_000;
/** gRPC codes that mean no coordinator answered, as opposed to one that refused the call. */
const UNREACHABLE = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
/**
 * grpc-js backs off reconnecting up to 120 s and fails calls at once meanwhile; the worker's own
 * backoff (10 s cap) would then keep failing long after a restarted coordinator is back.
 */
const CHANNEL_OPTIONS = { 'grpc.max_reconnect_backoff_ms': 10_000 };

/**
 * What an UNAVAILABLE's detail tells of TLS: OpenSSL's `wrong version number` when a plaintext
 * server answered our handshake; a certificate error when its certificate failed our check. A
 * coordinator that is down or restarting gives neither, so these are not retried.
 */
function tlsFailure(detail: string): 'plaintext' | 'certificate' | undefined {
  if (/wrong version number|packet length too long/i.test(detail)) return 'plaintext';
  if (/certificate|Hostname\/IP does not match/i.test(detail)) return 'certificate';
  return undefined;
}

type Unary<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => unknown;

/** The one file of the worker that speaks gRPC to the coordinator's Rendezvous service. */
export class RendezvousClient {
  private readonly client: GrpcRendezvousClient;
  /** Sent with every call: the coordinator checks the worker token on each one. */
  private readonly metadata = new grpc.Metadata();

  /**
   * @param token the coordinator's worker token (REPVGG_WORKER_TOKENS there), if it requires one
   * @param tls this worker's certificate, and the CA the coordinator's certificate must chain to
   */
  constructor(
    private readonly coordinator: string,
    token?: string,
    private readonly tls?: TlsPaths,
  ) {
    if (token !== undefined) this.metadata.set('authorization', `Bearer ${token}`);
    const definition = protoLoader.loadSync(protoPath('rendezvous.proto'), PROTO_LOADER_OPTIONS);
    const proto = grpc.loadPackageDefinition(definition) as unknown as RendezvousProto;
    const dial = dialTls(coordinator, tls && readTls(tls));
    this.client = new proto.repvgg.rendezvous.v1.Rendezvous(coordinator, dial.credentials, {
      ...CHANNEL_OPTIONS,
      ...dial.options,
    });
  }

  register(req: RegisterRequest): Promise<RegisterReply__Output> {
    return this.call('Register', this.client.register.bind(this.client), req);
  }

  async heartbeat(req: HeartbeatRequest): Promise<boolean> {
    return (
      await this.call<HeartbeatRequest, HeartbeatReply__Output>(
        'Heartbeat',
        this.client.heartbeat.bind(this.client),
        req,
      )
    ).known;
  }

  /** Opens the Watch stream; `onEnd` runs once when it breaks or closes. */
  watch(
    workerId: string,
    onAssignment: (a: Assignment__Output) => void,
    onEnd: (err: Error | undefined) => void,
  ): { cancel(): void } {
    const stream = this.client.watch({ workerId }, this.metadata);
    let ended = false;
    const end = (err: Error | undefined): void => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', onAssignment);
    stream.on('error', (err: Error) => {
      end(err);
    });
    stream.on('end', () => {
      end(undefined);
    });
    return {
      cancel: () => {
        stream.cancel();
      },
    };
  }

  async reportStep(req: StepReport): Promise<boolean> {
    return (
      await this.call<StepReport, StepReply__Output>(
        'ReportStep',
        this.client.reportStep.bind(this.client),
        req,
      )
    ).proceed;
  }

  async reportEpoch(req: EpochReport): Promise<void> {
    await this.call('ReportEpoch', this.client.reportEpoch.bind(this.client), req);
  }

  async reportFailure(req: FailureReport): Promise<void> {
    await this.call('ReportFailure', this.client.reportFailure.bind(this.client), req);
  }

  /** Sends a job's log batch; false: the coordinator refused it (drop it). */
  async reportLogs(req: LogBatch): Promise<boolean> {
    return (
      await this.call<LogBatch, LogReply__Output>(
        'ReportLogs',
        this.client.reportLogs.bind(this.client),
        req,
      )
    ).accepted;
  }

  async drain(workerId: string): Promise<void> {
    await this.call('Drain', this.client.drain.bind(this.client), { workerId });
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(method: string, fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn(req, this.metadata, { deadline: Date.now() + CALL_DEADLINE_MS }, (err, res) => {
        if (err !== null) {
          const detail = err.details || err.message;
          const tls = this.tls && tlsFailure(detail);
          if (err.code === grpc.status.UNAUTHENTICATED)
            reject(new WorkerTokenError(method, detail));
          else if (tls !== undefined)
            reject(new CoordinatorTlsError(this.coordinator, tls === 'plaintext', detail));
          else reject(new RendezvousCallError(method, detail, UNREACHABLE.has(err.code)));
        } else if (res === undefined) reject(new RendezvousCallError(method, 'empty reply'));
        else resolve(res);
      });
    });
  }
}
