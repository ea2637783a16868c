import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { TlsMaterial } from '@repvgg/contracts/tls/tls-files';
import {
  encodeControlFrame,
  MAX_HELLO_BYTES,
  parseAnswer,
  type DataHello,
  type FrameHeader,
} from './data-frame';
import { FrameReader } from './frame-reader';

/** What the receiving transport does with the chunk frames of an admitted link. */
export interface ChunkSink {
  destination(header: FrameHeader): Uint8Array | { refused: string };
  frame(header: FrameHeader, payload: Uint8Array): void;
  /** The sender broke the protocol or refused a chunk: the link is closed. */
  invalid(reason: string): void;
  /** The link closed after admission (`reason` from the socket error, or 'peer left'). */
  closed(reason: string): void;
}

export interface InboundLinkOptions {
  host: string;
  port: number;
  tls?: TlsMaterial;
  hello: DataHello;
  sink: ChunkSink;
  /** Aborting drops the connection, also while the hello is unanswered. */
  signal?: AbortSignal;
}

/** An admitted receiving link. */
export interface InboundLink {
  readonly socket: Socket;
  /** Later bytes are read into a scratch buffer and dropped (the socket stays open). */
  stopReading(): void;
}

/** The sender would not take us (yet): `retry` when it has not joined our generation. */
export class LinkRefusedError extends Error {
  constructor(
    readonly retry: boolean,
    readonly details: string,
  ) {
    super(details);
    this.name = 'LinkRefusedError';
  }
}

const KEEPALIVE_MS = 5_000;

/**
 * Opens this rank's receiving end of a data link: connects to the sender's data plane, says hello and
 * resolves with the socket once admitted (rejects with `LinkRefusedError`, or the socket error when it
 * cannot connect). Every read lands where the frame reader says: chunk payloads straight into the
 * memory the sink hands out.
 */
export function openInboundLink(options: InboundLinkOptions): Promise<InboundLink> {
  return new Promise((resolve, reject) => {
    let admitted = false;
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (error === undefined) {
        resolve({
          socket,
          stopReading: () => {
            reader.stop();
          },
        });
      } else reject(error);
    };
    const reader = new FrameReader({
      destination(header) {
        if (admitted) {
          return header.kind === 'chunk'
            ? options.sink.destination(header)
            : { refused: `unexpected ${header.kind} frame` };
        }
        return header.kind === 'answer' && header.payloadBytes <= MAX_HELLO_BYTES
          ? new Uint8Array(header.payloadBytes)
          : { refused: 'no answer to the data-plane hello' };
      },
      frame(header, payload) {
        if (admitted) {
          options.sink.frame(header, payload);
          return;
        }
        const answer = parseAnswer(payload);
        if (answer?.accepted === true) {
          admitted = true;
          settle();
          return;
        }
        socket.destroy();
        settle(new LinkRefusedError(answer?.retry ?? false, answer?.details ?? 'malformed answer'));
      },
      invalid(reason) {
        socket.destroy();
        if (admitted) options.sink.invalid(reason);
        else settle(new LinkRefusedError(false, reason));
      },
    });
    const onread: OnReadOpts = {
      buffer: () => reader.nextBuffer(),
      callback: (bytes) => {
        reader.advance(bytes);
        return true;
      },
    };
    const socket: Socket =
      options.tls === undefined
        ? netConnect({ host: options.host, port: options.port, onread })
        : tlsConnect({
            host: options.host,
            port: options.port,
            ...options.tls,
            // The certificate is checked for this name: the peer's own name (TlsMaterial.serverName)
            // when set, else the host dialled (SNI takes host names only; an IP is still checked).
            servername: options.tls.serverName ?? (isIP(options.host) === 0 ? options.host : ''),
            onread,
          } as ConnectionOptions & { onread: OnReadOpts });
    const abort = (): void => {
      socket.destroy();
    };
    if (options.signal?.aborted === true) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_MS);
      socket.write(encodeControlFrame('hello', options.hello));
    });
    let lastError: Error | undefined;
    socket.on('error', (error) => {
      lastError = error;
      settle(error);
    });
    socket.on('close', () => {
      options.signal?.removeEventListener('abort', abort);
      reader.stop();
      if (!admitted) {
        settle(lastError ?? new LinkRefusedError(true, 'connection closed before the answer'));
        return;
      }
      options.sink.closed(lastError?.message ?? 'peer left');
    });
  });
}
