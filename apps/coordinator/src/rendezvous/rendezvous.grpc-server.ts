import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  PROTO_LOADER_OPTIONS,
  protoPath,
  type Ack,
  type Assignment,
  type RendezvousHandlers,
  type RendezvousProto,
} from '@repvgg/contracts';
import { serverCredentials } from '@repvgg/contracts/tls/grpc-credentials';
import type { TlsPaths } from '@repvgg/contracts/tls/tls-files';
import type { RendezvousService } from './rendezvous.service';
import { guardWorkerTokens } from './worker-token.guard';

const ACK: Ack = {};
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function loadRendezvousProto(): RendezvousProto {
  const definition = protoLoader.loadSync(protoPath('rendezvous.proto'), PROTO_LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition) as unknown as RendezvousProto;
}

const notFound = (details: string): grpc.ServiceError =>
  Object.assign(new Error(details), {
    code: grpc.status.NOT_FOUND,
    details,
    metadata: new grpc.Metadata(),
  });
const UNKNOWN_WORKER = 'unknown worker: register again';
const NOT_LEADER =
  'not the leader of the current generation: drop the report and follow the next assignment';

/** The one file that speaks gRPC for the rendezvous: maps RPCs onto RendezvousService. */
export class RendezvousGrpcServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
  });

  /**
   * @param workerTokens tokens a worker must send on every call (none: any worker is admitted)
   * @param log where refusals are reported
   */
  constructor(
    private readonly rendezvous: RendezvousService,
    private readonly onError: (err: unknown) => void,
    workerTokens: readonly string[] = [],
    log: (line: string) => void = () => undefined,
  ) {
    const proto = loadRendezvousProto();
    this.server.addService(
      proto.repvgg.rendezvous.v1.Rendezvous.service,
      guardWorkerTokens(this.handlers(), workerTokens, log),
    );
  }

  /**
   * Binds `host:port` (port 0 picks a free one) and returns the bound port. With `tls` it speaks only
   * TLS and admits only clients presenting a certificate its CA signed.
   */
  listen(host: string, port: number, tls?: TlsPaths): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, serverCredentials(tls), (err, bound) => {
        if (err === null) resolve(bound);
        else reject(err);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.tryShutdown(() => {
        resolve();
      });
      setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2_000).unref();
    });
  }

  private handlers(): RendezvousHandlers {
    const r = this.rendezvous;
    return {
      Register: (call, cb) => {
        const w = r.register(call.request);
        cb(null, {
          workerId: w.id,
          heartbeatMs: r.opts.heartbeatMs,
          heartbeatTimeoutMs: r.opts.heartbeatTimeoutMs,
        });
      },
      Heartbeat: (call, cb) => {
        cb(null, { known: r.heartbeat(call.request) });
      },
      Watch: (call) => {
        const send = (a: Assignment): void => {
          call.write(a);
        };
        const end = (): void => {
          r.disconnect(call.request.workerId, send);
        };
        call.on('cancelled', end);
        call.on('close', end);
        call.on('error', end);
        if (!r.watch(call.request.workerId, send)) call.destroy(notFound(UNKNOWN_WORKER));
      },
      ReportStep: (call, cb) => {
        r.reportStep(call.request).then(
          (proceed) => {
            cb(null, { proceed });
          },
          (err: unknown) => {
            this.onError(err);
            cb({
              code: grpc.status.INTERNAL,
              details: 'the coordinator could not record the step',
            });
          },
        );
      },
      ReportEpoch: (call, cb) => {
        r.reportEpoch(call.request).then(
          (ok) => {
            if (ok) cb(null, ACK);
            else cb(notFound(NOT_LEADER));
          },
          (err: unknown) => {
            this.onError(err);
            cb({
              code: grpc.status.INTERNAL,
              details: 'the coordinator could not record the epoch',
            });
          },
        );
      },
      ReportFailure: (call, cb) => {
        r.reportFailure(call.request);
        cb(null, ACK);
      },
      ReportLogs: (call, cb) => {
        r.reportLogs(call.request).then(
          (accepted) => {
            cb(null, { accepted });
          },
          (err: unknown) => {
            this.onError(err);
            cb({ code: grpc.status.INTERNAL, details: 'the coordinator could not store the logs' });
          },
        );
      },
      Drain: (call, cb) => {
        if (r.drain(call.request.workerId)) cb(null, ACK);
        else cb(notFound(UNKNOWN_WORKER));
      },
    };
  }
}
