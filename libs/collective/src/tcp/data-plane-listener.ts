import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readTls, type TlsPaths } from '@repvgg/contracts/tls/tls-files';
import { membershipRefusal, type MemberView } from '../membership';
import {
  decodeFrameHeader,
  encodeControlFrame,
  FRAME_HEADER_BYTES,
  MAX_HELLO_BYTES,
  parseHello,
  type DataHello,
} from './data-frame';

/** What the listener needs from the transport of the generation a worker currently serves. */
export interface DataPlaneEndpoint extends MemberView {
  /** Takes over `socket`: from now on this rank sends its chunks for `fromRank` on it. */
  acceptDataLink?(fromRank: number, socket: Socket): void;
  /** Whether `fromRank` already has its link (a second one is refused). */
  hasDataLink?(fromRank: number): boolean;
}

/** A peer that connects and says nothing is dropped after this long. */
const HELLO_TIMEOUT_MS = 5_000;

/**
 * The raw-TCP side of a worker's collective server: peers that want this rank's chunks connect, say
 * hello (job, generation, token, their rank), and once admitted the socket carries chunk frames one
 * way, from this rank to them. Admission follows the same rules as the gRPC calls.
 */
export class DataPlaneListener {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static start(
    host: string,
    port: number,
    tls: TlsPaths | undefined,
    endpoint: () => DataPlaneEndpoint | undefined,
  ): Promise<DataPlaneListener> {
    const admit = (socket: Socket): void => {
      readHello(socket, (hello) => {
        const here = endpoint();
        const refused = dataLinkRefusal(here, hello);
        if (refused !== undefined || here?.acceptDataLink === undefined) {
          answerAndClose(socket, refused?.kind === 'not-yet', refused?.details ?? 'refused');
          return;
        }
        socket.write(encodeControlFrame('answer', { accepted: true }));
        here.acceptDataLink(hello.rank, socket);
      });
    };
    const server =
      tls === undefined
        ? createServer({ noDelay: true }, admit)
        : createTlsServer(
            {
              ...readTls(tls),
              requestCert: true,
              rejectUnauthorized: true,
            },
            admit,
          );
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `the data plane port ${port} on ${host} is taken (EADDRINUSE): pass another ` +
                  '--data-port (its default is --port + 1, so space workers on one host two ports apart)',
              )
            : error,
        );
      });
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        const address = server.address();
        resolve(
          new DataPlaneListener(server, typeof address === 'object' && address ? address.port : 0),
        );
      });
    });
  }

  /** Stops listening and drops every connection it accepted (a server outlives its transports). */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/** The membership rules, then the data plane's own: the member must use it, one link per peer. */
function dataLinkRefusal(
  here: DataPlaneEndpoint | undefined,
  hello: DataHello,
): ReturnType<typeof membershipRefusal> {
  const refused = membershipRefusal(here, hello);
  if (refused !== undefined || here === undefined) return refused;
  if (here.acceptDataLink === undefined) {
    return { kind: 'denied', details: 'this member does not use the TCP data plane' };
  }
  if (here.hasDataLink?.(hello.rank) === true) {
    return { kind: 'denied', details: `rank ${hello.rank} already has a data link here` };
  }
  return undefined;
}

function answerAndClose(socket: Socket, retry: boolean, details: string): void {
  socket.end(encodeControlFrame('answer', { accepted: false, retry, details }));
}

/** Collects the hello frame; drops a connection that sends anything else or nothing in time. */
function readHello(socket: Socket, admitted: (hello: DataHello) => void): void {
  let received = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
  const done = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
  };
  const onData = (data: Buffer): void => {
    received = Buffer.concat([received, data]);
    if (received.byteLength < FRAME_HEADER_BYTES) return;
    const header = decodeFrameHeader(received);
    if (header?.kind !== 'hello' || header.payloadBytes > MAX_HELLO_BYTES) {
      done();
      socket.destroy();
      return;
    }
    const total = FRAME_HEADER_BYTES + header.payloadBytes;
    if (received.byteLength < total) return;
    done();
    const hello = parseHello(received.subarray(FRAME_HEADER_BYTES, total));
    if (hello === undefined || received.byteLength > total) {
      socket.destroy();
      return;
    }
    admitted(hello);
  };
  socket.on('data', onData);
  socket.on('close', () => {
    clearTimeout(timer);
  });
  socket.on('error', () => {
    clearTimeout(timer);
  });
}
