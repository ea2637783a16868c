/**
 * One benchmark member, forked by allreduce.bench.ts: hosts a Collective server, joins the ring the
 * parent describes and times all-reduces; also serves as either end of the raw TCP baseline.
 */
import { createConnection, createServer } from 'node:net';
import {
  CollectiveServer,
  createTransport,
  RingCollective,
  type DataPlane,
  type PeerTransport,
  type ReduceMode,
} from '@repvgg/collective';

export type WorkerCommand =
  | { type: 'listen' }
  | {
      type: 'join';
      rank: number;
      peers: string[];
      connectionsPerPeer: number;
      chunkBytes: number;
      dataPlane: DataPlane;
    }
  | { type: 'allreduce'; elements: number; mode: ReduceMode; fp16Wire: boolean; iterations: number }
  | { type: 'tcp-sink' }
  | { type: 'tcp-source'; port: number; bytes: number }
  | { type: 'exit' };

export type WorkerReply =
  | { type: 'listening'; port: number }
  | { type: 'joined' }
  | { type: 'timed'; seconds: number[]; cpuSeconds: number[]; userSeconds: number[]; check: number }
  | { type: 'tcp-listening'; port: number }
  | { type: 'tcp-received'; bytes: number; seconds: number; cpuSeconds: number }
  | { type: 'tcp-sent'; cpuSeconds: number }
  | { type: 'failed'; message: string };

const reply = (message: WorkerReply): void => {
  process.send?.(message);
};

let server: CollectiveServer | undefined;
let member: { transport: PeerTransport; chunkBytes: number } | undefined;
let step = 0;

/** CPU time (user + system) this process used since `start`: unlike wall time, load-independent. */
const cpuSecondsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/** The user-space part: JavaScript, and native code such as memcpy, outside system calls. */
const userSecondsSince = (start: NodeJS.CpuUsage): number => process.cpuUsage(start).user / 1e6;

async function timeAllReduce(
  joined: { transport: PeerTransport; chunkBytes: number },
  command: Extract<WorkerCommand, { type: 'allreduce' }>,
): Promise<void> {
  const members = new RingCollective(joined.transport, {
    mode: command.mode,
    fp16Wire: command.fp16Wire,
    chunkBytes: joined.chunkBytes,
  });
  // The collective's own buffer, as the worker's gradient sum is (SIMD adds on staged chunks);
  // BENCH_PLAIN_BUFFER=1 reduces a plain Float32Array instead, for comparison.
  const data =
    process.env.BENCH_PLAIN_BUFFER === '1'
      ? new Float32Array(command.elements)
      : members.reduceBuffer(command.elements);
  data.fill(1);
  const barrier = new Float32Array(1);
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  const userSeconds: number[] = [];
  for (let i = 0; i <= command.iterations; i++) {
    await members.allReduce(step++, barrier);
    data.fill(1);
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await members.allReduce(step++, data);
    // The first round opens connections and warms up the JIT: not timed.
    if (i > 0) {
      seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
      cpuSeconds.push(cpuSecondsSince(cpu));
      userSeconds.push(userSecondsSince(cpu));
    }
  }
  reply({ type: 'timed', seconds, cpuSeconds, userSeconds, check: data[data.length - 1] ?? 0 });
}

function tcpSink(): void {
  const sink = createServer((socket) => {
    let bytes = 0;
    let first = 0n;
    let cpu = process.cpuUsage();
    socket.on('data', (chunk: Buffer) => {
      if (bytes === 0) {
        first = process.hrtime.bigint();
        cpu = process.cpuUsage();
      }
      bytes += chunk.length;
    });
    socket.on('end', () => {
      reply({
        type: 'tcp-received',
        bytes,
        seconds: Number(process.hrtime.bigint() - first) / 1e9,
        cpuSeconds: cpuSecondsSince(cpu),
      });
      sink.close();
    });
  });
  sink.listen(0, '127.0.0.1', () => {
    const address = sink.address();
    reply({
      type: 'tcp-listening',
      port: typeof address === 'object' && address ? address.port : 0,
    });
  });
}

function tcpSource(port: number, bytes: number): void {
  const block = Buffer.alloc(1 << 20, 7);
  const cpu = process.cpuUsage();
  const socket = createConnection({ port, host: '127.0.0.1' }, () => {
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        left -= block.length;
        if (!socket.write(block)) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end(() => {
        reply({ type: 'tcp-sent', cpuSeconds: cpuSecondsSince(cpu) });
      });
    };
    pump();
  });
}

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.type) {
    case 'listen':
      server = await CollectiveServer.start('127.0.0.1:0');
      reply({ type: 'listening', port: server.port });
      return;
    case 'join':
      if (server === undefined) throw new Error('join before listen');
      member = {
        transport: createTransport({
          dataPlane: command.dataPlane,
          server,
          rank: command.rank,
          peers: command.peers,
          identity: { job: 'bench', generation: 1, token: 'bench-token' },
          connectionsPerPeer: command.connectionsPerPeer,
        }),
        chunkBytes: command.chunkBytes,
      };
      reply({ type: 'joined' });
      return;
    case 'allreduce':
      if (member === undefined) throw new Error('allreduce before join');
      await timeAllReduce(member, command);
      return;
    case 'tcp-sink':
      tcpSink();
      return;
    case 'tcp-source':
      tcpSource(command.port, command.bytes);
      return;
    case 'exit':
      await member?.transport.close();
      await server?.shutdown();
      process.exit(0);
  }
}

process.on('message', (command: WorkerCommand) => {
  handle(command).catch((error: unknown) => {
    reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});
