import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ChunkAddress,
  CollectiveServer,
  GrpcTransport,
  MessageRefusedError,
  type PeerTransport,
  PeerLostError,
  PeerTimeoutError,
  TcpTransport,
} from '@repvgg/collective';
import {
  decodeFrameHeader,
  encodeControlFrame,
  encodeFrameHeader,
  FRAME_HEADER_BYTES,
  jobTag,
  MAGIC_ANSWER,
  MAGIC_CHUNK,
  MAX_HELLO_BYTES,
  parseAnswer,
  parseHello,
  type DataHello,
  type DataHelloAnswer,
  type FrameHeader,
} from '@repvgg/collective/tcp/data-frame';
import { callPing } from '@repvgg/collective/grpc/peer-probe';

/**
 * The raw-TCP data plane's wire protocol against hand-written peers on 127.0.0.1: what a
 * CollectiveServer's data port answers to hellos, and what a TcpTransport refuses from a sender.
 */
const JOB = 'j';
const GENERATION = 2;
const TOKEN = 't';
const IDENTITY = { job: JOB, generation: GENERATION, token: TOKEN };
/** Long enough that no deadline passes in these tests: every failure is a refusal or a lost link. */
const TIMEOUT_MS = 8_000;
const ADDRESS: ChunkAddress = { step: 4, seq: 1, phase: 'all-gather', chunk: 0 };

let servers: CollectiveServer[] = [];
let transports: PeerTransport[] = [];
let netServers: Server[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  for (const s of sockets) s.destroy();
  for (const s of netServers) s.close();
  await Promise.all(servers.map((s) => s.shutdown()));
  servers = [];
  transports = [];
  netServers = [];
  sockets = [];
});

async function startServer(): Promise<CollectiveServer> {
  const server = await CollectiveServer.start('127.0.0.1:0');
  servers.push(server);
  return server;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What `p` rejects with (an Error saying so when it resolves instead). */
const failureOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );

const grpcAddress = (server: CollectiveServer): string => `127.0.0.1:${server.port}`;

/**
 * Rank 0 of 2 in job j, generation 2. Rank 1's gRPC server is one nobody ever attaches to; rank 0's
 * data link from rank 1 goes to `senderPort` when given, else to the port a Ping (never answered)
 * would report.
 */
async function rankZero(
  senderPort?: number,
): Promise<{ server: CollectiveServer; transport: TcpTransport }> {
  const [server, idle] = await Promise.all([startServer(), startServer()]);
  const transport = new TcpTransport({
    server,
    rank: 0,
    peers: [grpcAddress(server), grpcAddress(idle)],
    identity: IDENTITY,
    ...(senderPort === undefined ? {} : { dataPeers: ['', `127.0.0.1:${senderPort}`] }),
  });
  transports.push(transport);
  expect(server.dataPort).toBeGreaterThan(0);
  expect(server.dataPort).not.toBe(server.port);
  return { server, transport };
}

/** Listens on a free loopback port (closed after the test). */
async function listenLocally(server: Server): Promise<number> {
  netServers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Frame {
  header: FrameHeader;
  payload: Buffer;
}

/** One end of a raw data-plane connection: reads whole frames, and sees when the other end closes. */
class RawEnd {
  private received = Buffer.alloc(0);
  private closed = false;
  private wake: () => void = () => undefined;

  constructor(readonly socket: Socket) {
    sockets.push(socket);
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number): Promise<RawEnd> {
    const socket = connect({ host: '127.0.0.1', port });
    const end = new RawEnd(socket);
    await once(socket, 'connect');
    return end;
  }

  /** The next whole frame, or 'closed' when the connection ends first. */
  async next(): Promise<Frame | 'closed'> {
    for (;;) {
      const header = decodeFrameHeader(this.received);
      if (this.received.byteLength >= FRAME_HEADER_BYTES && header === undefined) {
        throw new Error(`not a frame: ${this.received.subarray(0, 8).toString('hex')}`);
      }
      const total = FRAME_HEADER_BYTES + (header?.payloadBytes ?? 0);
      if (header !== undefined && this.received.byteLength >= total) {
        const payload = Buffer.from(this.received.subarray(FRAME_HEADER_BYTES, total));
        this.received = this.received.subarray(total);
        return { header, payload };
      }
      if (this.closed) return 'closed';
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async answer(): Promise<DataHelloAnswer | 'closed'> {
    const frame = await this.next();
    if (frame === 'closed') return frame;
    expect(frame.header.kind).toBe('answer');
    const answer = parseAnswer(frame.payload);
    expect(answer).toBeDefined();
    return answer!;
  }

  /** Resolves once the other end has closed the connection (after any frames still buffered). */
  async closedByPeer(): Promise<void> {
    while ((await this.next()) !== 'closed');
  }
}

const hello = (h: Partial<DataHello> = {}): DataHello => ({ ...IDENTITY, rank: 1, ...h });

async function sayHello(port: number, bytes: Uint8Array): Promise<RawEnd> {
  const end = await RawEnd.connect(port);
  end.socket.write(bytes);
  return end;
}

/** A valid hello whose header carries another magic. */
function helloAs(magic: number): Buffer {
  const frame = encodeControlFrame('hello', hello());
  frame.writeUInt32LE(magic, 0);
  return frame;
}

/** A chunk frame from rank 1 for `ADDRESS` in this job and generation, with `change` applied. */
function chunkHeader(payloadBytes: number, change: Partial<FrameHeader> = {}): Buffer {
  return encodeFrameHeader({
    kind: 'chunk',
    phase: ADDRESS.phase,
    fromRank: 1,
    seq: ADDRESS.seq,
    generation: GENERATION,
    step: ADDRESS.step,
    chunk: ADDRESS.chunk,
    payloadBytes,
    jobTag: jobTag(JOB),
    ...change,
  });
}

describe('data-plane hellos to a CollectiveServer', () => {
  it.each([
    ['a bad token', hello({ token: 'guess' }), false, 'bad generation token'],
    ['another job', hello({ job: 'other' }), false, 'job other is not served here'],
    ['its own rank', hello({ rank: 0 }), false, 'rank 0 is not a peer'],
    ['a rank out of range', hello({ rank: 2 }), false, 'rank 2 is not a peer'],
    ['an older generation', hello({ generation: 1 }), false, 'generation 1 is over'],
    ['a newer generation', hello({ generation: 3 }), true, 'generation 3 not open here yet'],
  ])('refuses %s and closes', async (_, body, retry, details) => {
    const { server } = await rankZero();
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', body));
    const answer = await end.answer();
    expect(answer).toMatchObject({ accepted: false, retry });
    expect(answer !== 'closed' && !answer.accepted && answer.details).toContain(details);
    await end.closedByPeer();
  });

  it('asks to retry while no transport is attached', async () => {
    const server = await startServer();
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await end.answer()).toMatchObject({ accepted: false, retry: true });
    await end.closedByPeer();
  });

  it.each([
    ['garbage bytes', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3))],
    ['a chunk frame instead of a hello', chunkHeader(0)],
    ['a hello body in a chunk frame', helloAs(MAGIC_CHUNK)],
    ['a hello body in an answer frame', helloAs(MAGIC_ANSWER)],
    ['a hello with a wrong magic', helloAs(0xdeadbeef)],
    [
      'a hello longer than a hello may be',
      (() => {
        const frame = encodeControlFrame('hello', hello());
        frame.writeUInt32LE(MAX_HELLO_BYTES + 1, 36);
        return frame;
      })(),
    ],
    [
      'a hello whose body is not JSON',
      (() => {
        const body = Buffer.from('{"job":"j",');
        const frame = encodeControlFrame('hello', hello());
        frame.writeUInt32LE(body.byteLength, 36);
        return Buffer.concat([frame.subarray(0, FRAME_HEADER_BYTES), body]);
      })(),
    ],
    [
      'a hello followed by more bytes',
      Buffer.concat([encodeControlFrame('hello', hello()), Buffer.from([1, 2, 3])]),
    ],
  ])('drops the connection on %s without answering', async (_, bytes) => {
    const { server } = await rankZero();
    const end = await sayHello(server.dataPort, bytes);
    // Well before the 5 s a silent connection is given: the server reacted to the bytes.
    const first = await Promise.race([end.next(), sleep(3_000).then(() => 'still open' as const)]);
    expect(first).toBe('closed');
  });

  it('reports the data port in its Ping reply', async () => {
    const { server } = await rankZero();
    const client = new grpc.Client(grpcAddress(server), grpc.credentials.createInsecure());
    try {
      const outcome = await callPing(client, hello(), TIMEOUT_MS);
      expect(outcome).toEqual({ reply: { rank: 0, dataPort: server.dataPort } });
    } finally {
      client.close();
    }
  });

  it('fails to start when its data port is taken', async () => {
    const dataPort = await listenLocally(createServer());
    await expect(CollectiveServer.start('127.0.0.1:0', undefined, { dataPort })).rejects.toThrow(
      /data plane port \d+ on 127.0.0.1 is taken \(EADDRINUSE\): pass another --data-port/,
    );
  });

  it('admits a member, then sends it the chunks addressed to its rank', async () => {
    const { server, transport } = await rankZero();
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await end.answer()).toEqual({ accepted: true });
    const address: ChunkAddress = { step: 2 ** 40 + 3, seq: 7, phase: 'broadcast', chunk: 12 };
    const payload = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 17) & 0xff);
    await transport.send(1, address, payload, TIMEOUT_MS);
    await transport.send(1, { ...address, chunk: 13 }, new Uint8Array(0), TIMEOUT_MS);
    const frame = await end.next();
    if (frame === 'closed') throw new Error('closed before the chunk');
    expect({ ...frame.header, jobTag: [...frame.header.jobTag] }).toEqual({
      kind: 'chunk',
      phase: 'broadcast',
      fromRank: 0,
      seq: 7,
      generation: GENERATION,
      step: 2 ** 40 + 3,
      chunk: 12,
      payloadBytes: payload.byteLength,
      jobTag: [...jobTag(JOB)],
    });
    expect(frame.payload.equals(payload)).toBe(true);
    const empty = await end.next();
    expect(empty !== 'closed' && [empty.header.chunk, empty.header.payloadBytes]).toEqual([13, 0]);
  });

  it('ends the generation when a send cannot finish: pending receives fail with its diagnosis', async () => {
    const { server, transport } = await rankZero();
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await end.answer()).toEqual({ accepted: true });
    // The peer stops reading: once the kernel's buffers are full the 48 MiB chunk cannot go out.
    end.socket.pause();
    const pending = transport.receive(1, ADDRESS, TIMEOUT_MS);
    const chunk = { ...ADDRESS, phase: 'reduce-scatter' as const };
    const sent = await failureOf(transport.send(1, chunk, new Uint8Array(48 << 20), 1_500));
    expect(sent).toBeInstanceOf(PeerTimeoutError);
    expect((sent as PeerTimeoutError).ranks).toEqual([1]);
    expect(await failureOf(pending)).toBe(sent);
    expect(await failureOf(transport.receive(1, { ...ADDRESS, chunk: 5 }, TIMEOUT_MS))).toBe(sent);
  });

  it('refuses a second link from a rank that already has one', async () => {
    const { server } = await rankZero();
    const first = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await first.answer()).toEqual({ accepted: true });
    const second = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await second.answer()).toEqual({
      accepted: false,
      retry: false,
      details: 'rank 1 already has a data link here',
    });
  });

  it('refuses to send a chunk above 64 MiB', async () => {
    const { transport } = await rankZero();
    const tooLarge = new Uint8Array(64 * 1024 * 1024 + 1);
    await expect(transport.send(1, ADDRESS, tooLarge, TIMEOUT_MS)).rejects.toThrow(RangeError);
  });

  it('ends the generation when the admitted member writes on its receive-only link', async () => {
    const { server, transport } = await rankZero();
    const pending = transport.receive(1, ADDRESS, TIMEOUT_MS);
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await end.answer()).toEqual({ accepted: true });
    end.socket.write(chunkHeader(0));
    const error = await failureOf(pending);
    expect(error).toBeInstanceOf(MessageRefusedError);
    expect((error as MessageRefusedError).ranks).toEqual([1]);
    expect((error as MessageRefusedError).reason).toContain('receive-only');
    await end.closedByPeer();
  });

  it('ends the generation when the admitted member disconnects', async () => {
    const { server, transport } = await rankZero();
    const pending = transport.receive(1, ADDRESS, TIMEOUT_MS);
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    expect(await end.answer()).toEqual({ accepted: true });
    end.socket.end();
    const error = await failureOf(pending);
    expect(error).toBeInstanceOf(PeerLostError);
    expect((error as PeerLostError).ranks).toEqual([1]);
    await expect(transport.send(1, ADDRESS, new Uint8Array(4), TIMEOUT_MS)).rejects.toBe(error);
  });
});

/**
 * A hand-written sender for rank 1: it answers the hello of rank 0's receiving link, then does what
 * the test says on the admitted socket.
 */
async function fakeSender(
  admitted: (socket: Socket) => void,
): Promise<{ port: number; hellos: DataHello[] }> {
  const hellos: DataHello[] = [];
  const server = createServer((socket) => {
    const end = new RawEnd(socket);
    void end.next().then((frame) => {
      if (frame === 'closed' || frame.header.kind !== 'hello') return;
      const h = parseHello(frame.payload);
      if (h !== undefined) hellos.push(h);
      socket.write(encodeControlFrame('answer', { accepted: true }));
      admitted(socket);
    });
  });
  return { port: await listenLocally(server), hellos };
}

async function receiverFrom(senderPort: number): Promise<TcpTransport> {
  return (await rankZero(senderPort)).transport;
}

describe('what a TcpTransport refuses from its sender', () => {
  it('takes a well-formed chunk (the fake sender speaks the protocol)', async () => {
    const payload = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 5 + 1) & 0xff);
    const sender = await fakeSender((socket) => {
      socket.write(Buffer.concat([chunkHeader(payload.byteLength), payload]));
    });
    const receiver = await receiverFrom(sender.port);
    const got = await receiver.receive(1, ADDRESS, TIMEOUT_MS);
    expect(Buffer.from(got).equals(payload)).toBe(true);
    expect(sender.hellos).toEqual([{ ...IDENTITY, rank: 0 }]);
  });

  it('names a data port it cannot reach instead of calling the peer frozen', async () => {
    const closed = await listenLocally(createServer());
    await new Promise<void>((resolve) =>
      netServers.pop()?.close(() => {
        resolve();
      }),
    );
    const receiver = await receiverFrom(closed);
    const error = await failureOf(receiver.receive(1, ADDRESS, 1_000));
    expect(error).toBeInstanceOf(PeerTimeoutError);
    expect((error as PeerTimeoutError).ranks).toEqual([1]);
    expect((error as Error).message).toContain(
      `its data link never opened: rank 1 at 127.0.0.1:${closed}`,
    );
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it("reads a chunk whose receive is already posted straight into the caller's memory", async () => {
    const payload = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 3 + 7) & 0xff);
    let send = (): void => undefined;
    const sender = await fakeSender((socket) => {
      send = () => socket.write(Buffer.concat([chunkHeader(payload.byteLength), payload]));
    });
    const receiver = await receiverFrom(sender.port);
    const recycled = vi.spyOn(receiver, 'recycle');
    const target = new Uint8Array(payload.byteLength);
    const placed = receiver.receiveInto(1, ADDRESS, target, TIMEOUT_MS);
    while (sender.hellos.length === 0) await sleep(10);
    send();
    await placed;
    expect(Buffer.from(target).equals(payload)).toBe(true);
    // Placed, not copied: no pooled receive buffer was used and handed back.
    expect(recycled).not.toHaveBeenCalled();
  });

  it('reads an announced chunk (expect) into place before any receive; no deadline runs until then', async () => {
    const payload = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 5 + 1) & 0xff);
    const marker = { ...ADDRESS, chunk: ADDRESS.chunk + 1 };
    let send = (): void => undefined;
    const sender = await fakeSender((socket) => {
      send = () => {
        socket.write(Buffer.concat([chunkHeader(payload.byteLength), payload]));
        socket.write(Buffer.concat([chunkHeader(4, { chunk: marker.chunk }), new Uint8Array(4)]));
      };
    });
    const receiver = await receiverFrom(sender.port);
    const recycled = vi.spyOn(receiver, 'recycle');
    const target = new Uint8Array(payload.byteLength);
    receiver.expect(1, ADDRESS, target);
    // Longer than the receive's deadline below: an announcement alone has none to miss.
    await sleep(400);
    while (sender.hellos.length === 0) await sleep(10);
    send();
    // Frames arrive in order: once the marker is here, the chunk has been read.
    await receiver.receive(1, marker, TIMEOUT_MS);
    expect(Buffer.from(target).equals(payload)).toBe(true);
    await receiver.receiveInto(1, ADDRESS, target, 200);
    expect(Buffer.from(target).equals(payload)).toBe(true);
    // Placed by the kernel, not copied from a pooled buffer.
    expect(recycled).not.toHaveBeenCalled();
  });

  it('copies a chunk that arrived before its receive into place, and recycles its buffer', async () => {
    const payload = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 3 + 7) & 0xff);
    const marker = { ...ADDRESS, chunk: ADDRESS.chunk + 1 };
    const sender = await fakeSender((socket) => {
      socket.write(Buffer.concat([chunkHeader(payload.byteLength), payload]));
      socket.write(Buffer.concat([chunkHeader(4, { chunk: marker.chunk }), new Uint8Array(4)]));
    });
    const receiver = await receiverFrom(sender.port);
    // Frames arrive in order: once the marker is here, the chunk waits in the mailbox.
    await receiver.receive(1, marker, TIMEOUT_MS);
    const recycled = vi.spyOn(receiver, 'recycle');
    const target = new Uint8Array(payload.byteLength);
    await receiver.receiveInto(1, ADDRESS, target, TIMEOUT_MS);
    expect(Buffer.from(target).equals(payload)).toBe(true);
    expect(recycled).toHaveBeenCalledTimes(1);
  });

  const unknownPhase = (): Buffer => {
    const header = chunkHeader(4);
    header[4] = 9;
    return Buffer.concat([header, new Uint8Array(4)]);
  };

  it.each([
    ['another job', chunkHeader(8, { jobTag: jobTag('other') }), 'chunk of another job'],
    ['another generation', chunkHeader(8, { generation: 3 }), 'generation 3 instead of 2'],
    ['an older generation', chunkHeader(8, { generation: 1 }), 'generation 1 instead of 2'],
    ['a fromRank that is not the peer', chunkHeader(8, { fromRank: 0 }), 'claims rank 0'],
    [
      'a payload above 64 MiB',
      chunkHeader(64 * 1024 * 1024 + 1),
      `a ${64 * 1024 * 1024 + 1}-byte chunk exceeds`,
    ],
    ['an unknown phase', unknownPhase(), 'unknown phase'],
    ['a hello after admission', encodeControlFrame('hello', hello()), 'unexpected hello frame'],
    ['bytes that are not a frame', Buffer.alloc(FRAME_HEADER_BYTES, 0x41), 'bad magic'],
  ])('refuses %s and names rank 1', async (_, bytes, reason) => {
    const sender = await fakeSender((socket) => {
      socket.write(bytes);
    });
    const receiver = await receiverFrom(sender.port);
    const error = await failureOf(receiver.receive(1, ADDRESS, TIMEOUT_MS));
    expect(error).toBeInstanceOf(MessageRefusedError);
    expect((error as MessageRefusedError).ranks).toEqual([1]);
    expect((error as MessageRefusedError).reason).toContain(reason);
    expect((error as Error).message).toContain('rank 1');
  });

  it('reports a sender that closes the link after admission as lost', async () => {
    const sender = await fakeSender((socket) => {
      socket.end();
    });
    const receiver = await receiverFrom(sender.port);
    const error = await failureOf(receiver.receive(1, ADDRESS, TIMEOUT_MS));
    expect(error).toBeInstanceOf(PeerLostError);
    expect((error as PeerLostError).ranks).toEqual([1]);
    expect((error as Error).message).toContain('lost the connection to rank 1');
  });

  it('reports a link torn down in the middle of a payload as lost', async () => {
    const sender = await fakeSender((socket) => {
      socket.write(Buffer.concat([chunkHeader(1000), new Uint8Array(10)]), () => {
        socket.destroy();
      });
    });
    const receiver = await receiverFrom(sender.port);
    const error = await failureOf(receiver.receive(1, ADDRESS, TIMEOUT_MS));
    expect(error).toBeInstanceOf(PeerLostError);
    expect((error as PeerLostError).ranks).toEqual([1]);
  });

  it('gives up on a sender that refuses the hello for good', async () => {
    const server = createServer((socket) => {
      const end = new RawEnd(socket);
      void end.next().then(() => {
        socket.end(encodeControlFrame('answer', { accepted: false, retry: false, details: 'no' }));
      });
    });
    const receiver = await receiverFrom(await listenLocally(server));
    const error = await failureOf(receiver.receive(1, ADDRESS, TIMEOUT_MS));
    expect(error).toBeInstanceOf(MessageRefusedError);
    expect((error as MessageRefusedError).ranks).toEqual([1]);
    expect((error as MessageRefusedError).reason).toBe('no');
  });
});

describe('mixed data planes', () => {
  it('a server whose member runs GrpcTransport refuses data-plane hellos for good', async () => {
    const [server, idle] = await Promise.all([startServer(), startServer()]);
    transports.push(
      new GrpcTransport({
        server,
        rank: 0,
        peers: [grpcAddress(server), grpcAddress(idle)],
        identity: IDENTITY,
      }),
    );
    const end = await sayHello(server.dataPort, encodeControlFrame('hello', hello()));
    const answer = await end.answer();
    expect(answer).toMatchObject({ accepted: false, retry: false });
    expect(answer !== 'closed' && !answer.accepted && answer.details).toContain(
      'does not use the TCP data plane',
    );
    await end.closedByPeer();
    // A hello the membership rules refuse anyway still gets that refusal.
    const stale = await sayHello(
      server.dataPort,
      encodeControlFrame('hello', hello({ generation: 1 })),
    );
    expect(await stale.answer()).toMatchObject({ accepted: false, retry: false });
  });

  it('a TcpTransport meeting a GrpcTransport peer fails with MessageRefusedError', async () => {
    const [a, b] = await Promise.all([startServer(), startServer()]);
    const peers = [grpcAddress(a), grpcAddress(b)];
    const grpcMember = new GrpcTransport({ server: a, rank: 0, peers, identity: IDENTITY });
    const tcpMember = new TcpTransport({ server: b, rank: 1, peers, identity: IDENTITY });
    transports.push(grpcMember, tcpMember);
    const [tcpError, grpcError] = await Promise.all([
      failureOf(tcpMember.receive(0, ADDRESS, TIMEOUT_MS)),
      failureOf(grpcMember.receive(1, ADDRESS, TIMEOUT_MS)),
    ]);
    expect(tcpError).toBeInstanceOf(MessageRefusedError);
    expect((tcpError as MessageRefusedError).ranks).toEqual([0]);
    expect((tcpError as MessageRefusedError).reason).toContain('does not use the TCP data plane');
    expect(grpcError).toBeInstanceOf(MessageRefusedError);
    expect((grpcError as MessageRefusedError).ranks).toEqual([1]);
  });
});

/** Whether the other end closes `end` within `ms` (loopback closes take milliseconds, even under load). */
const closesWithin = (end: RawEnd, ms: number): Promise<boolean> =>
  Promise.race([end.closedByPeer().then(() => true), sleep(ms).then(() => false)]);

describe('closing releases data-plane connections', () => {
  it('a TcpTransport drops its admitted receiving links', async () => {
    let held: RawEnd | undefined;
    const sender = await fakeSender((socket) => {
      held = new RawEnd(socket);
    });
    const receiver = await receiverFrom(sender.port);
    while (held === undefined) await sleep(10);
    await receiver.close();
    expect(await closesWithin(held, 2_000)).toBe(true);
  });

  it('a CollectiveServer drops connections still in their hello', async () => {
    const server = await startServer();
    const end = await RawEnd.connect(server.dataPort);
    end.socket.write(encodeControlFrame('hello', hello()).subarray(0, 20));
    await sleep(50);
    await server.shutdown();
    expect(await closesWithin(end, 2_000)).toBe(true);
  });

  /**
   * While the answer to a receiving link's hello is pending, the socket is not yet an admitted link;
   * `close()` must still reach it, or a sender that accepted the TCP connection but never answers
   * (frozen, or not speaking the protocol) would keep it open for good.
   */
  it('a TcpTransport drops a receiving link whose hello is unanswered', async () => {
    let held: RawEnd | undefined;
    const silent = createServer((socket) => {
      held = new RawEnd(socket);
    });
    const receiver = await receiverFrom(await listenLocally(silent));
    while (held === undefined) await sleep(10);
    const first = await held.next();
    expect(first !== 'closed' && first.header.kind).toBe('hello');
    await receiver.close();
    expect(await closesWithin(held, 2_000)).toBe(true);
  });
});
