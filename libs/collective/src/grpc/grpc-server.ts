import * as grpc from '@grpc/grpc-js';
import {
  decodeChunk,
  decodeMembership,
  decodePingReply,
  encodeMembership,
  encodePingReply,
  type MembershipMessage,
  type PingReply,
} from './collective.messages';
import { membershipRefusal } from '../membership';
import { splitHostPort } from '@repvgg/contracts/net/host-port';
import { serverCredentials } from '@repvgg/contracts/tls/grpc-credentials';
import type { TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { DataPlaneListener, type DataPlaneEndpoint } from '../tcp/data-plane-listener';

const MiB = 1 << 20;

/** Set explicitly on both ends so a misbehaving peer cannot push unbounded messages at us. */
export const MAX_MESSAGE_BYTES = 64 * MiB;
const KEEPALIVE = {
  'grpc.keepalive_time_ms': 5_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
};

export const SERVER_OPTIONS: grpc.ServerOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};

/**
 * The receiving side is the client, and grpc-js lets only a client raise its HTTP/2 receive window:
 * with Node's 64 KiB default the sender stalls every 64 KiB waiting for WINDOW_UPDATE.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc-node.flow_control_window': 64 * MiB,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
};

/** Chunks are encoded (and their payload copied) once at send time; the serializer passes them on. */
export const COLLECTIVE_SERVICE = {
  pull: {
    path: '/repvgg.collective.v1.Collective/Pull',
    requestStream: false,
    responseStream: true,
    requestSerialize: encodeMembership,
    requestDeserialize: decodeMembership,
    responseSerialize: (encoded: Buffer): Buffer => encoded,
    responseDeserialize: decodeChunk,
  },
  ping: {
    path: '/repvgg.collective.v1.Collective/Ping',
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeMembership,
    requestDeserialize: decodeMembership,
    responseSerialize: encodePingReply,
    responseDeserialize: decodePingReply,
  },
} satisfies grpc.ServiceDefinition;

export type DecodedChunk = ReturnType<typeof decodeChunk>;
export type PullStream = grpc.ServerWritableStream<MembershipMessage, Buffer>;

/** What the server needs from the transport of the generation it currently serves. */
export interface CollectiveEndpoint extends DataPlaneEndpoint {
  /** Only the gRPC data path serves chunks on Pull streams. */
  acceptPull?(fromRank: number, stream: PullStream): void;
}

const STATUS_BY_REFUSAL = {
  'not-yet': grpc.status.UNAVAILABLE,
  over: grpc.status.FAILED_PRECONDITION,
  denied: grpc.status.PERMISSION_DENIED,
} as const;

/** Why a membership is refused, as a gRPC status; undefined when it is accepted. */
function refusal(
  endpoint: CollectiveEndpoint | undefined,
  m: MembershipMessage,
): { code: grpc.status; details: string } | undefined {
  const refused = membershipRefusal(endpoint, m);
  return refused && { code: STATUS_BY_REFUSAL[refused.kind], details: refused.details };
}

export interface CollectiveServerOptions {
  /**
   * Port of the raw-TCP data plane on the same host (0 picks a free one; the default). Peers learn it
   * from `Ping`, so only the gRPC address needs to be published.
   */
  dataPort?: number;
}

/**
 * A worker's Collective gRPC server. It outlives generations: each generation's transport attaches
 * itself, and calls for any other job or generation are refused.
 */
export class CollectiveServer {
  private endpoint: CollectiveEndpoint | undefined;

  private dataPlane: DataPlaneListener | undefined;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    readonly tls: TlsPaths | undefined,
  ) {}

  /** The raw-TCP data plane's port (see `CollectiveServerOptions.dataPort`). */
  get dataPort(): number {
    return this.dataPlane?.port ?? 0;
  }

  /**
   * Binds `host:port` (port 0 picks a free one) for gRPC and, on the same host, the raw-TCP data
   * plane. The host of `address` must be an address both listeners can bind (e.g. 0.0.0.0).
   */
  static async start(
    address: string,
    tls?: TlsPaths,
    options: CollectiveServerOptions = {},
  ): Promise<CollectiveServer> {
    const instance = await CollectiveServer.startGrpc(address, tls);
    const { host } = splitHostPort(address);
    try {
      instance.dataPlane = await DataPlaneListener.start(
        host,
        options.dataPort ?? 0,
        tls,
        () => instance.endpoint,
      );
    } catch (error) {
      instance.server.forceShutdown();
      throw error;
    }
    return instance;
  }

  private static startGrpc(address: string, tls?: TlsPaths): Promise<CollectiveServer> {
    const server = new grpc.Server(SERVER_OPTIONS);
    let instance: CollectiveServer | undefined;
    server.addService(COLLECTIVE_SERVICE, {
      pull: (call: PullStream) => {
        instance?.onPull(call);
      },
      ping: (
        call: grpc.ServerUnaryCall<MembershipMessage, PingReply>,
        callback: grpc.sendUnaryData<PingReply>,
      ) => {
        instance?.onPing(call, callback);
      },
    });
    return new Promise((resolve, reject) => {
      server.bindAsync(address, serverCredentials(tls), (error, port) => {
        if (error !== null) {
          reject(error);
          return;
        }
        instance = new CollectiveServer(server, port, tls);
        resolve(instance);
      });
    });
  }

  attach(endpoint: CollectiveEndpoint): void {
    this.endpoint = endpoint;
  }

  detach(endpoint: CollectiveEndpoint): void {
    if (this.endpoint === endpoint) this.endpoint = undefined;
  }

  async shutdown(): Promise<void> {
    this.endpoint = undefined;
    await this.dataPlane?.close();
    await new Promise<void>((resolve) => {
      this.server.tryShutdown(() => {
        resolve();
      });
      // Open pull streams would keep a graceful shutdown waiting; members have already closed them.
      setTimeout(() => {
        this.server.forceShutdown();
      }, 1_000).unref();
    });
  }

  private onPull(call: PullStream): void {
    const endpoint = this.endpoint;
    const refused = refusal(endpoint, call.request);
    if (refused !== undefined || endpoint === undefined) {
      call.emit('error', refused);
      return;
    }
    if (endpoint.acceptPull === undefined) {
      call.emit('error', {
        code: grpc.status.FAILED_PRECONDITION,
        details: `rank ${endpoint.rank} sends over the TCP data plane, not Pull`,
      });
      return;
    }
    call.sendMetadata(new grpc.Metadata());
    endpoint.acceptPull(call.request.rank, call);
  }

  private onPing(
    call: grpc.ServerUnaryCall<MembershipMessage, PingReply>,
    callback: grpc.sendUnaryData<PingReply>,
  ): void {
    const endpoint = this.endpoint;
    const refused = refusal(endpoint, call.request);
    if (refused !== undefined || endpoint === undefined) {
      callback(refused ?? null);
      return;
    }
    callback(null, { rank: endpoint.rank, dataPort: this.dataPort });
  }
}
