import * as grpc from '@grpc/grpc-js';
import { BufferPool } from '../buffer-pool';
import { MessageRefusedError, PeerLostError } from '../collective.error';
import { GenerationTransport, type GenerationTransportOptions } from '../generation-transport';
import { addressKey, type ChunkAddress } from '../peer-transport';
import { encodeChunk } from './collective.messages';
import { checkChunk } from './chunk-refusal';
import { OutboundPeer } from './outbound-peer';
import {
  CHANNEL_OPTIONS,
  COLLECTIVE_SERVICE,
  type CollectiveEndpoint,
  type DecodedChunk,
  type PullStream,
} from './grpc-server';

export interface GrpcTransportOptions extends GenerationTransportOptions {
  /** Parallel HTTP/2 connections per peer; chunks are spread over them round-robin. */
  connectionsPerPeer?: number;
}

/** Inbound side from one peer: our Pull calls on its server. */
interface Inbound {
  calls: grpc.ClientReadableStream<DecodedChunk>[];
}

const RETRY_MS = 100;

/**
 * PeerTransport over gRPC. Every message carries (job, generation, step, seq, chunk) and the generation
 * token; anything else is refused. When a deadline expires the transport pings every peer and names
 * the ones that do not answer, so all survivors blame the same rank.
 */
export class GrpcTransport extends GenerationTransport implements CollectiveEndpoint {
  private readonly buffers = new BufferPool(64 << 20);
  private readonly clients = new Map<number, grpc.Client[]>();
  private readonly outbound = new Map<number, OutboundPeer>();
  private readonly inbound = new Map<number, Inbound>();
  private readonly connections: number;

  constructor(options: GrpcTransportOptions) {
    super(options);
    this.connections = Math.max(1, options.connectionsPerPeer ?? 1);
    options.server.attach(this);
    // Senders can only write once the receiver has pulled, so every inbound stream opens up front.
    for (let r = 0; r < this.worldSize; r++) if (r !== this.rank) this.openInbound(r);
  }

  send(to: number, address: ChunkAddress, payload: Uint8Array, timeoutMs: number): Promise<void> {
    const unusable = this.rejectIfUnusable();
    if (unusable !== undefined) return unusable;
    const encoded = encodeChunk(
      {
        job: this.job,
        generation: this.generation,
        token: this.options.identity.token,
        fromRank: this.rank,
        ...address,
        payload,
      },
      (size) => this.buffers.acquire(size),
    );
    return this.writeWithin(to, timeoutMs, (budgetMs) =>
      this.outboundTo(to).write(encoded, budgetMs),
    );
  }

  protected releaseConnections(): void {
    for (const out of this.outbound.values()) out.end();
    for (const inbound of this.inbound.values()) for (const call of inbound.calls) call.cancel();
    for (const group of this.clients.values()) for (const client of group) client.close();
  }

  acceptPull(fromRank: number, stream: PullStream): void {
    const out = this.outboundTo(fromRank);
    if (this.closed || out.full) {
      stream.emit('error', {
        code: grpc.status.ALREADY_EXISTS,
        details: `rank ${fromRank} already pulls from rank ${this.rank}`,
      });
      return;
    }
    const lost = (reason: string) => () => {
      if (!this.closed) this.fail(new PeerLostError([fromRank], reason));
    };
    stream.on('cancelled', lost('stream cancelled'));
    stream.on('error', lost('stream error'));
    out.attach(stream);
  }

  private outboundTo(rank: number): OutboundPeer {
    let out = this.outbound.get(rank);
    if (out === undefined) {
      out = new OutboundPeer(
        this.connections,
        () => this.broken(),
        (buffer) => {
          this.buffers.release(buffer);
        },
      );
      this.outbound.set(rank, out);
    }
    return out;
  }

  private clientsFor(rank: number): grpc.Client[] {
    let group = this.clients.get(rank);
    if (group === undefined) {
      this.checkPeer(rank);
      const address = this.options.peers[rank];
      const credentials = this.channelCredentials();
      // A separate subchannel pool per client gives each its own TCP connection and HTTP/2 session.
      group = Array.from(
        { length: this.connections },
        (_, i) =>
          new grpc.Client(address, credentials, {
            ...CHANNEL_OPTIONS,
            ...this.peerChannelOptions(),
            'grpc.use_local_subchannel_pool': 1,
            'repvgg.connection': i,
          }),
      );
      this.clients.set(rank, group);
    }
    return group;
  }

  private openInbound(from: number): void {
    const inbound: Inbound = { calls: [] };
    this.inbound.set(from, inbound);
    for (const client of this.clientsFor(from)) this.openPull(from, client, inbound);
  }

  /** Opens one Pull stream; retries while the peer is not up or not yet in this generation. */
  private openPull(from: number, client: grpc.Client, inbound: Inbound): void {
    if (this.closed || this.failure !== undefined) return;
    const { path, requestSerialize, responseDeserialize } = COLLECTIVE_SERVICE.pull;
    const call = client.makeServerStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      this.membership(),
    );
    inbound.calls.push(call);
    let established = false;
    /** grpc-js ends the stream after every status, OK or not: an 'end' after 'error' is no news. */
    let errored = false;
    call.on('metadata', () => {
      established = true;
    });
    call.on('data', (chunk: DecodedChunk) => {
      this.onChunk(from, chunk, call);
    });
    call.on('error', (error: grpc.ServiceError) => {
      errored = true;
      inbound.calls = inbound.calls.filter((c) => c !== call);
      if (this.closed) return;
      if (!established && error.code === grpc.status.UNAVAILABLE) {
        setTimeout(() => {
          this.openPull(from, client, inbound);
        }, RETRY_MS).unref();
        return;
      }
      this.fail(
        error.code === grpc.status.PERMISSION_DENIED ||
          error.code === grpc.status.FAILED_PRECONDITION
          ? new MessageRefusedError([from], error.details)
          : new PeerLostError([from], error.details || grpc.status[error.code]),
      );
    });
    call.on('end', () => {
      // Only an OK status ends a stream without 'error': the peer's transport closed (it left).
      if (!this.closed && !errored) this.fail(new PeerLostError([from], 'peer left'));
    });
  }

  private onChunk(
    from: number,
    chunk: DecodedChunk,
    call: grpc.ClientReadableStream<DecodedChunk>,
  ): void {
    const verdict = checkChunk(chunk, {
      job: this.job,
      generation: this.generation,
      rank: from,
      tokenMatches: (token) => this.tokenMatches(token),
    });
    if ('refused' in verdict) {
      call.cancel();
      this.fail(new MessageRefusedError([from], verdict.refused));
      return;
    }
    this.mailbox.deliver(addressKey(from, { ...chunk, phase: verdict.phase }), chunk.payload);
  }

  protected onFailure(): void {
    for (const out of this.outbound.values()) out.wakeAll();
  }

  protected pingClient(rank: number): grpc.Client {
    const [client] = this.clientsFor(rank);
    return client;
  }
}
