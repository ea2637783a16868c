import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { BufferPool } from '../buffer-pool';
import { copyChunk } from '../chunk-copy';
import {
  CollectiveError,
  MessageRefusedError,
  PeerLostError,
  PeerTimeoutError,
} from '../collective.error';
import { GenerationTransport, type GenerationTransportOptions } from '../generation-transport';
import { backoffDelay, type BackoffPolicy } from '@repvgg/contracts/retry/backoff';
import { splitHostPort } from '@repvgg/contracts/net/host-port';
import { addressKey, type ChunkAddress } from '../peer-transport';
import { CHANNEL_OPTIONS, MAX_MESSAGE_BYTES, type CollectiveEndpoint } from '../grpc/grpc-server';
import { callPing } from '../grpc/peer-probe';
import { encodeFrameHeader, jobTag, type FrameHeader } from './data-frame';
import {
  type ChunkSink,
  type InboundLink,
  LinkRefusedError,
  openInboundLink,
} from './inbound-link';
import { OutboundLink } from './outbound-link';

export interface TcpTransportOptions extends GenerationTransportOptions {
  /**
   * `host:port` of every member's data plane, when it is not reachable at the peer's gRPC host and
   * the port its `Ping` reports (e.g. behind a port mapping).
   */
  dataPeers?: readonly string[];
  /** Waits between attempts to open a data link (default `DATA_LINK_BACKOFF`, jitter by `random`). */
  linkRetry?: { readonly policy?: BackoffPolicy; readonly random?: () => number };
}

/**
 * Between attempts to open a data link to a peer that is not up or not in this generation yet.
 * A peer that starts its generation a moment later is found within tens of milliseconds; the cap
 * keeps a late peer found well within a step deadline, while a ring of members does not hammer
 * one that is gone in lockstep (full jitter).
 */
export const DATA_LINK_BACKOFF: BackoffPolicy = { baseMs: 20, capMs: 1_000 };
/** Port discovery: one Ping may take this long before it is retried. */
const DISCOVERY_PING_MS = 2_000;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * PeerTransport whose chunks travel on raw TCP (one connection per ordered pair of members, opened by
 * the receiver), negotiated over gRPC: a member learns a peer's data port from its `Ping` reply, and
 * the peer admits the connection only with the generation's job, token and a member rank. Chunk
 * frames carry (job tag, generation, step, seq, phase, chunk, sender) and anything else ends the
 * generation. Payloads go from the caller's memory to the kernel, and from the kernel into pooled,
 * aligned receive buffers or (`receiveInto`) straight into the caller's memory: no user-space copy on
 * either side, unlike grpc-js (see docs/collective.md).
 * Deadlines and failure naming work as in `GrpcTransport`: gRPC pings name the silent members.
 */
export class TcpTransport extends GenerationTransport implements CollectiveEndpoint {
  private readonly tag: Buffer;
  private readonly buffers = new BufferPool(128 << 20);
  private readonly clients = new Map<number, grpc.Client>();
  private readonly outbound = new Map<number, OutboundLink>();
  private readonly inbound = new Map<number, InboundLink>();
  /** Where chunks announced (`expect`) or awaited (`receiveInto`) land in the caller's memory, by mailbox key. */
  private readonly placements = new Map<string, Uint8Array>();
  /** Why a peer's data link has not opened yet (address and last error), by rank. */
  private readonly unopened = new Map<number, string>();
  /** Drops links still being opened when the transport closes. */
  private readonly opening = new AbortController();

  private readonly dataPeers: readonly string[] | undefined;
  private readonly linkRetry: TcpTransportOptions['linkRetry'];

  constructor(options: TcpTransportOptions) {
    super(options);
    this.tag = Buffer.from(jobTag(this.job));
    this.dataPeers = options.dataPeers;
    this.linkRetry = options.linkRetry;
    options.server.attach(this);
    // A sender writes only once its receiver has connected, so every inbound link opens up front.
    for (let r = 0; r < this.worldSize; r++) {
      if (r !== this.rank) void this.openInbound(r);
    }
  }

  send(to: number, address: ChunkAddress, payload: Uint8Array, timeoutMs: number): Promise<void> {
    const unusable = this.rejectIfUnusable();
    if (unusable !== undefined) return unusable;
    if (payload.byteLength > MAX_MESSAGE_BYTES) {
      return Promise.reject(
        new RangeError(`a ${payload.byteLength}-byte chunk exceeds ${MAX_MESSAGE_BYTES} bytes`),
      );
    }
    const header = encodeFrameHeader({
      kind: 'chunk',
      phase: address.phase,
      fromRank: this.rank,
      seq: address.seq,
      generation: this.generation,
      step: address.step,
      chunk: address.chunk,
      payloadBytes: payload.byteLength,
      jobTag: this.tag,
    });
    return this.writeWithin(to, timeoutMs, (budgetMs) =>
      this.outboundTo(to).write(header, payload, budgetMs),
    );
  }

  /** A chunk announced here is read by the kernel straight into `target` whenever it arrives. */
  expect(from: number, address: ChunkAddress, target: Uint8Array): void {
    if (this.isActive()) this.placements.set(addressKey(from, address), target);
  }

  /**
   * A chunk that has not arrived yet (or was announced with `expect`) is read by the kernel straight
   * into `target`; one that already arrived in a pooled buffer is copied from it.
   */
  async receiveInto(
    from: number,
    address: ChunkAddress,
    target: Uint8Array,
    timeoutMs: number,
  ): Promise<void> {
    const key = addressKey(from, address);
    this.placements.set(key, target);
    try {
      const payload = await this.receive(from, address, timeoutMs);
      if (copyChunk(from, payload, target)) this.recycle(payload);
    } catch (error) {
      // The caller will reuse `target`: end the generation so no late chunk is read into it.
      if (error instanceof CollectiveError) this.fail(error);
      throw error;
    } finally {
      this.placements.delete(key);
    }
  }

  recycle(payload: Uint8Array): void {
    this.buffers.release(payload);
  }

  protected releaseConnections(): void {
    for (const out of this.outbound.values()) out.end();
    this.opening.abort();
    for (const link of this.inbound.values()) link.socket.destroy();
    for (const client of this.clients.values()) client.close();
  }

  hasDataLink(fromRank: number): boolean {
    return this.outbound.get(fromRank)?.attached === true;
  }

  acceptDataLink(fromRank: number, socket: Socket): void {
    const out = this.outboundTo(fromRank);
    if (this.closed || out.attached) {
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, 5_000);
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => {
      if (!this.closed) this.fail(new PeerLostError([fromRank], lastError?.message ?? 'peer left'));
    });
    socket.on('data', () => {
      socket.destroy();
      this.fail(new MessageRefusedError([fromRank], 'sent data on its receive-only link'));
    });
    out.attach(socket);
  }

  private outboundTo(rank: number): OutboundLink {
    let out = this.outbound.get(rank);
    if (out === undefined) {
      out = new OutboundLink(() => this.broken());
      this.outbound.set(rank, out);
    }
    return out;
  }

  protected pingClient(rank: number): grpc.Client {
    let client = this.clients.get(rank);
    if (client === undefined) {
      this.checkPeer(rank);
      client = new grpc.Client(this.options.peers[rank], this.channelCredentials(), {
        ...CHANNEL_OPTIONS,
        ...this.peerChannelOptions(),
      });
      this.clients.set(rank, client);
    }
    return client;
  }

  /**
   * Finds `from`'s data plane and opens our receiving link to it, retrying while the peer is not up
   * or not yet in this generation; a refusal or a broken link ends the generation.
   */
  private async openInbound(from: number): Promise<void> {
    const { policy = DATA_LINK_BACKOFF, random } = this.linkRetry ?? {};
    const retryLater = (attempt: number): Promise<void> =>
      sleep(backoffDelay(policy, attempt, random));
    for (let attempt = 0; this.isActive(); attempt++) {
      const address = await this.dataAddress(from);
      if (address === undefined) {
        await retryLater(attempt);
        continue;
      }
      if (!this.isActive()) return;
      try {
        const link = await openInboundLink({
          ...address,
          tls: this.tlsMaterial(),
          hello: this.membership(),
          sink: this.sinkFor(from),
          signal: this.opening.signal,
        });
        if (!this.isActive()) {
          link.socket.destroy();
          return;
        }
        this.inbound.set(from, link);
        this.unopened.delete(from);
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.unopened.set(from, `${address.host}:${address.port}: ${reason}`);
        if (error instanceof LinkRefusedError && !error.retry) {
          this.fail(new MessageRefusedError([from], error.details));
          return;
        }
        await retryLater(attempt);
      }
    }
  }

  /** The peer's data-plane address, or undefined when it cannot be learnt yet (retry). */
  private async dataAddress(from: number): Promise<{ host: string; port: number } | undefined> {
    const fixed = this.dataPeers?.[from];
    if (fixed !== undefined) return splitHostPort(fixed);
    const outcome = await callPing(this.pingClient(from), this.membership(), DISCOVERY_PING_MS);
    if ('error' in outcome) {
      const code = outcome.error.code;
      if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.FAILED_PRECONDITION) {
        this.fail(new MessageRefusedError([from], outcome.error.details));
      }
      return undefined;
    }
    if (outcome.reply.dataPort === 0) {
      this.fail(
        new MessageRefusedError(
          [from],
          'it has no TCP data plane: run one transport on all members',
        ),
      );
      return undefined;
    }
    return { host: splitHostPort(this.options.peers[from]).host, port: outcome.reply.dataPort };
  }

  private sinkFor(from: number): ChunkSink {
    // The mailbox key of the frame being read: computed once, when its header arrives.
    let key = '';
    return {
      destination: (header) => {
        const refused = this.refusal(from, header);
        if (refused !== undefined || header.phase === undefined)
          return { refused: refused ?? 'unknown phase' };
        key = addressKey(from, { ...header, phase: header.phase });
        const placed = this.placements.get(key);
        if (placed?.byteLength === header.payloadBytes) {
          // A receive already waits for this chunk: the kernel writes it straight into place.
          this.placements.delete(key);
          return placed;
        }
        return this.buffers.acquire(header.payloadBytes);
      },
      frame: (_header, payload) => {
        this.mailbox.deliver(key, payload);
      },
      invalid: (reason) => {
        this.fail(new MessageRefusedError([from], reason));
      },
      closed: (reason) => {
        if (!this.closed) this.fail(new PeerLostError([from], reason));
      },
    };
  }

  /** Why a chunk frame from `from` must be refused (checked before its payload is read). */
  private refusal(from: number, h: FrameHeader): string | undefined {
    if (!this.tag.equals(h.jobTag)) return 'chunk of another job';
    if (h.generation !== this.generation) {
      return `generation ${h.generation} instead of ${this.generation}`;
    }
    if (h.fromRank !== from) return `sender claims rank ${h.fromRank} on rank ${from}'s link`;
    if (h.phase === undefined) return 'unknown phase';
    if (h.payloadBytes > MAX_MESSAGE_BYTES) {
      return `a ${h.payloadBytes}-byte chunk exceeds ${MAX_MESSAGE_BYTES} bytes`;
    }
    return undefined;
  }

  /**
   * A peer that answers pings but whose data link never opened is not frozen: most likely its data
   * port is unreachable (a firewall, a port mapping); say so instead of "frozen or cut off".
   */
  protected override async diagnose(
    suspect: number,
    timeoutMs: number,
    probeMs: number,
  ): Promise<Error> {
    const error = await super.diagnose(suspect, timeoutMs, probeMs);
    if (!(error instanceof PeerTimeoutError)) return error;
    const links = error.ranks.flatMap((r) => {
      const why = this.unopened.get(r);
      return why === undefined ? [] : [`rank ${r} at ${why}`];
    });
    if (links.length === 0) return error;
    return new PeerTimeoutError(
      error.ranks,
      timeoutMs,
      `its data link never opened: ${links.join('; ')}; check that the data port is reachable`,
    );
  }

  protected onFailure(): void {
    for (const out of this.outbound.values()) out.wakeAll();
    // No read may land in a caller's memory once its receive has failed. The links stay open, so
    // peers keep blaming the member that is really missing rather than this one.
    for (const link of this.inbound.values()) link.stopReading();
  }
}
