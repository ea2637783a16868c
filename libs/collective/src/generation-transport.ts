import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { CollectiveError, TransportClosedError } from './collective.error';
import type { MembershipMessage } from './grpc/collective.messages';
import type { CollectiveServer } from './grpc/grpc-server';
import { answersPing, nameMissing, probeBudget } from './grpc/peer-probe';
import { Mailbox } from './mailbox';
import {
  addressKey,
  type ChunkAddress,
  type GenerationIdentity,
  type PeerTransport,
} from './peer-transport';
import { channelCredentials, serverNameOptions } from '@repvgg/contracts/tls/grpc-credentials';
import { readTls, type TlsMaterial, type TlsPaths } from '@repvgg/contracts/tls/tls-files';

/** What every networked transport of a generation is built from. */
export interface GenerationTransportOptions {
  /** This worker's server; it stays up across generations. */
  server: CollectiveServer;
  rank: number;
  /** `host:port` of every member's Collective gRPC server, index = rank (this rank's is unused). */
  peers: readonly string[];
  identity: GenerationIdentity;
  /** Client certificates for mutual TLS; the server's certificates come from `server`. */
  tls?: TlsPaths;
}

/**
 * The part of a networked transport that does not depend on how chunks travel: membership (job,
 * generation, constant-time token check), the mailbox receives wait on, the first failure that ends
 * the generation for every pending and later call, and naming silent members when a deadline passes
 * (gRPC pings to every peer; the ones that do not answer are missing).
 */
export abstract class GenerationTransport implements PeerTransport {
  readonly rank: number;
  readonly worldSize: number;
  readonly job: string;
  readonly generation: number;
  protected readonly mailbox = new Mailbox();
  protected closed = false;
  /** The first broken link or refusal ends the generation for every pending and later call. */
  protected failure: CollectiveError | undefined;
  private readonly token: Buffer;
  private tls: TlsMaterial | undefined;

  constructor(protected readonly options: GenerationTransportOptions) {
    this.rank = options.rank;
    this.worldSize = options.peers.length;
    this.job = options.identity.job;
    this.generation = options.identity.generation;
    this.token = Buffer.from(options.identity.token, 'utf8');
  }

  abstract send(
    to: number,
    address: ChunkAddress,
    payload: Uint8Array,
    timeoutMs: number,
  ): Promise<void>;

  /** Ends this transport's links (streams, sockets, clients). */
  protected abstract releaseConnections(): void;

  /** A gRPC client to `rank`'s server, for pings. */
  protected abstract pingClient(rank: number): grpc.Client;

  /** Wakes whatever waits to send, so it sees the failure. */
  protected abstract onFailure(): void;

  tokenMatches(token: string): boolean {
    const given = Buffer.from(token, 'utf8');
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }

  receive(from: number, address: ChunkAddress, timeoutMs: number): Promise<Uint8Array> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const probeMs = probeBudget(timeoutMs);
    return this.mailbox.take(addressKey(from, address), timeoutMs - probeMs, () =>
      this.diagnose(from, timeoutMs, probeMs),
    );
  }

  /** Rejects every pending receive, detaches from the server and releases connections. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.options.server.detach(this);
    this.mailbox.close();
    this.releaseConnections();
    return Promise.resolve();
  }

  /**
   * Runs `write` with the deadline minus the probe budget; when that passes, the error names the
   * members that do not answer a ping.
   */
  protected async writeWithin(
    to: number,
    timeoutMs: number,
    write: (budgetMs: number) => Promise<'written' | 'timeout'>,
  ): Promise<void> {
    const probeMs = probeBudget(timeoutMs);
    if ((await write(timeoutMs - probeMs)) === 'timeout') {
      const error = await this.diagnose(to, timeoutMs, probeMs);
      // Like a failed receive, a send that cannot finish ends the generation: every other call fails
      // with the same diagnosis, and nothing more is read into memory the caller will reuse.
      if (error instanceof CollectiveError) this.fail(error);
      throw error;
    }
  }

  protected rejectIfUnusable(): Promise<never> | undefined {
    if (this.closed) return Promise.reject(new TransportClosedError());
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return undefined;
  }

  protected broken(): CollectiveError | undefined {
    return this.failure ?? (this.closed ? new TransportClosedError() : undefined);
  }

  protected isActive(): boolean {
    return !this.closed && this.failure === undefined;
  }

  protected fail(error: CollectiveError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.mailbox.close(error);
    this.onFailure();
  }

  protected membership(): MembershipMessage {
    return {
      job: this.job,
      generation: this.generation,
      token: this.options.identity.token,
      rank: this.rank,
    };
  }

  protected checkPeer(rank: number): void {
    if (rank < 0 || rank >= this.worldSize || rank === this.rank) {
      throw new RangeError(`rank ${rank} is not a peer of rank ${this.rank}`);
    }
  }

  protected channelCredentials(): grpc.ChannelCredentials {
    return channelCredentials(this.tlsMaterial());
  }

  /** Options every client channel to a peer takes: the name its certificate is checked for. */
  protected peerChannelOptions(): grpc.ChannelOptions {
    return serverNameOptions(this.tlsMaterial());
  }

  /** The certificate files' contents, read on first use and kept for every later connection. */
  protected tlsMaterial(): TlsMaterial | undefined {
    if (this.options.tls === undefined) return undefined;
    this.tls ??= readTls(this.options.tls);
    return this.tls;
  }

  /** A deadline passed waiting on `suspect`: the error names the members that do not answer. */
  protected async diagnose(suspect: number, timeoutMs: number, probeMs: number): Promise<Error> {
    if (this.closed) return new TransportClosedError();
    return nameMissing(this.rank, this.worldSize, suspect, timeoutMs, (r) =>
      answersPing(this.pingClient(r), this.membership(), probeMs),
    );
  }
}
