import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  type CollectiveError,
  MessageRefusedError,
  PeerLostError,
  PeerTimeoutError,
  TransportClosedError,
} from '../collective.error';
import { Mailbox } from '../mailbox';
import {
  addressKey,
  type ChunkAddress,
  type GenerationIdentity,
  type PeerTransport,
} from '../peer-transport';
import { encodeChunk, type MembershipMessage, type PingReply } from './collective.messages';
import { BufferPool } from './buffer-pool';
import { checkChunk } from './chunk-refusal';
import { OutboundPeer } from './outbound-peer';
import {
  CHANNEL_OPTIONS,
  COLLECTIVE_SERVICE,
  type CollectiveEndpoint,
  type CollectiveServer,
  type DecodedChunk,
  type PullStream,
  type TlsPaths,
} from './grpc-server';

export interface GrpcTransportOptions {
  /** This worker's server; it stays up across generations. */
  server: CollectiveServer;
  rank: number;
  /** `host:port` of every member's Collective server, index = rank (this rank's entry is unused). */
  peers: readonly string[];
  identity: GenerationIdentity;
  /** Client certificates for mutual TLS; the server's certificates come from `server`. */
  tls?: TlsPaths;
  /** Parallel HTTP/2 connections per peer; chunks are spread over them round-robin. */
  connectionsPerPeer?: number;
}

/** Inbound side from one peer: our Pull calls on its server. */
interface Inbound {
  calls: grpc.ClientReadableStream<DecodedChunk>[];
}

/** Part of every deadline kept for pinging the peers, so the whole failure fits in the deadline. */
const probeBudget = (timeoutMs: number): number =>
  Math.min(1_500, Math.max(100, Math.floor(timeoutMs * 0.2)));
const RETRY_MS = 100;

const isGone = (code: grpc.status): boolean =>
  code === grpc.status.UNAVAILABLE ||
  code === grpc.status.DEADLINE_EXCEEDED ||
  code === grpc.status.CANCELLED;

/**
 * PeerTransport over gRPC. Every message carries (job, generation, step, seq, chunk) and the generation
 * token; anything else is refused. When a deadline expires the transport pings every peer and names
 * the ones that do not answer, so all survivors blame the same rank.
 */
export class GrpcTransport implements PeerTransport, CollectiveEndpoint {
  readonly rank: number;
  readonly worldSize: number;
  readonly job: string;
  readonly generation: number;
  private readonly token: Buffer;
  private readonly mailbox = new Mailbox();
  private readonly buffers = new BufferPool(64 << 20);
  private readonly clients = new Map<number, grpc.Client[]>();
  private readonly outbound = new Map<number, OutboundPeer>();
  private readonly inbound = new Map<number, Inbound>();
  private readonly connections: number;
  private closed = false;
  /** The first broken stream or refusal ends the generation for every pending and later call. */
  private failure: CollectiveError | undefined;

  constructor(private readonly options: GrpcTransportOptions) {
    this.rank = options.rank;
    this.worldSize = options.peers.length;
    this.job = options.identity.job;
    this.generation = options.identity.generation;
    this.token = Buffer.from(options.identity.token, 'utf8');
    this.connections = Math.max(1, options.connectionsPerPeer ?? 1);
    options.server.attach(this);
    // Senders can only write once the receiver has pulled, so every inbound stream opens up front.
    for (let r = 0; r < this.worldSize; r++) if (r !== this.rank) this.openInbound(r);
  }

  tokenMatches(token: string): boolean {
    const given = Buffer.from(token, 'utf8');
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  send(to: number, address: ChunkAddress, payload: Uint8Array, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
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
    const probeMs = probeBudget(timeoutMs);
    return this.outboundTo(to)
      .write(encoded, timeoutMs - probeMs)
      .then(async (outcome) => {
        if (outcome === 'timeout') throw await this.diagnose(to, timeoutMs, probeMs);
      });
  }

  receive(from: number, address: ChunkAddress, timeoutMs: number): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const probeMs = probeBudget(timeoutMs);
    return this.mailbox.take(addressKey(from, address), timeoutMs - probeMs, () =>
      this.diagnose(from, timeoutMs, probeMs),
    );
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.options.server.detach(this);
    this.mailbox.close();
    for (const out of this.outbound.values()) out.end();
    for (const inbound of this.inbound.values()) for (const call of inbound.calls) call.cancel();
    for (const group of this.clients.values()) for (const client of group) client.close();
    return Promise.resolve();
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

  private broken(): CollectiveError | undefined {
    return this.failure ?? (this.closed ? new TransportClosedError() : undefined);
  }

  private clientsFor(rank: number): grpc.Client[] {
    let group = this.clients.get(rank);
    if (group === undefined) {
      if (rank < 0 || rank >= this.worldSize || rank === this.rank) {
        throw new RangeError(`rank ${rank} is not a peer of rank ${this.rank}`);
      }
      const address = this.options.peers[rank];
      const credentials = this.channelCredentials();
      // A separate subchannel pool per client gives each its own TCP connection and HTTP/2 session.
      group = Array.from(
        { length: this.connections },
        (_, i) =>
          new grpc.Client(address, credentials, {
            ...CHANNEL_OPTIONS,
            'grpc.use_local_subchannel_pool': 1,
            'repvgg.connection': i,
          }),
      );
      this.clients.set(rank, group);
    }
    return group;
  }

  private channelCredentials(): grpc.ChannelCredentials {
    const tls = this.options.tls;
    if (tls === undefined) return grpc.credentials.createInsecure();
    return grpc.credentials.createSsl(
      readFileSync(tls.caFile),
      readFileSync(tls.keyFile),
      readFileSync(tls.certFile),
    );
  }

  private membership(): MembershipMessage {
    return {
      job: this.job,
      generation: this.generation,
      token: this.options.identity.token,
      rank: this.rank,
    };
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
    call.on('metadata', () => {
      established = true;
    });
    call.on('data', (chunk: DecodedChunk) => {
      this.onChunk(from, chunk, call);
    });
    call.on('error', (error: grpc.ServiceError) => {
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
      if (!this.closed) this.fail(new PeerLostError([from], 'peer left'));
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

  private fail(error: CollectiveError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.mailbox.close(error);
    for (const out of this.outbound.values()) out.wakeAll();
  }

  /**
   * A deadline passed waiting on `suspect`. Ping every peer: the ones that do not answer are missing.
   * If all answer, the suspect is alive but stuck, and is named.
   */
  private async diagnose(suspect: number, timeoutMs: number, probeMs: number): Promise<Error> {
    if (this.closed) return new TransportClosedError();
    const peers = Array.from({ length: this.worldSize }, (_, r) => r).filter(
      (r) => r !== this.rank,
    );
    const alive = await Promise.all(peers.map((r) => this.ping(r, probeMs)));
    const missing = peers.filter((_, i) => !alive[i]);
    return new PeerTimeoutError(missing.length > 0 ? missing : [suspect], timeoutMs);
  }

  private ping(rank: number, budgetMs: number): Promise<boolean> {
    const [client] = this.clientsFor(rank);
    const { path, requestSerialize, responseDeserialize } = COLLECTIVE_SERVICE.ping;
    return new Promise((resolve) => {
      client.makeUnaryRequest<MembershipMessage, PingReply>(
        path,
        requestSerialize,
        responseDeserialize,
        this.membership(),
        { deadline: Date.now() + budgetMs },
        (error) => {
          resolve(error === null || !isGone(error.code));
        },
      );
    });
  }
}
