/**
 * Where the all-reduce time goes: one-way throughput between two processes on loopback, raw TCP
 * against grpc-js streams in both directions, with the HTTP/2 window, message size and connection
 * count varied. Variants run interleaved for several rounds so a busy machine affects them alike.
 *
 *   npm run build && node dist/bench/grpc-stream.bench.js      (ROUNDS=5 TOTAL_MIB=256)
 */
import { fork } from 'node:child_process';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';

const MiB = 1 << 20;
const TOTAL = Number(process.env.TOTAL_MIB ?? 256) * MiB;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const same = (b: Buffer): Buffer => b;
const SERVICE = {
  down: {
    path: '/bench.Stream/Down',
    requestStream: false,
    responseStream: true,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
  up: {
    path: '/bench.Stream/Up',
    requestStream: true,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
} satisfies grpc.ServiceDefinition;
const LIMITS = {
  'grpc.max_receive_message_length': 64 * MiB,
  'grpc.max_send_message_length': 64 * MiB,
};

/** Writes `total` bytes in `message`-sized writes, honouring backpressure. */
function pump(
  write: (b: Buffer) => boolean,
  once: (event: 'drain', f: () => void) => void,
  message: number,
  done: () => void,
): void {
  const block = Buffer.alloc(message, 1);
  let left = TOTAL;
  const go = (): void => {
    while (left > 0) {
      left -= block.length;
      if (!write(block)) {
        once('drain', go);
        return;
      }
    }
    done();
  };
  go();
}

function serve(): void {
  const server = new grpc.Server(LIMITS);
  server.addService(SERVICE, {
    down: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      pump(
        (b) => call.write(b),
        (e, f) => call.once(e, f),
        Number(call.request.toString()),
        () => call.end(),
      );
    },
    up: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      call.on('data', () => undefined);
      call.on('end', () => {
        callback(null, Buffer.alloc(0));
      });
    },
  });
  const tcp = createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('end', () => socket.end());
  });
  tcp.listen(0, '127.0.0.1', () => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (_, port) => {
      process.send?.({ grpc: port, tcp: (tcp.address() as AddressInfo).port });
    });
  });
  // The parent asks for this process's CPU time around each variant.
  process.on('message', () => {
    const used = process.cpuUsage();
    process.send?.({ cpuMs: (used.user + used.system) / 1000 });
  });
}

const cpuMs = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

async function measure(
  ports: { grpc: number; tcp: number },
  serverCpuMs: () => Promise<number>,
): Promise<void> {
  let nextId = 0;
  const client = (options: grpc.ChannelOptions): grpc.Client =>
    new grpc.Client(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure(), {
      ...LIMITS,
      ...options,
      // Own subchannel pool: a fresh TCP connection per client, as the transport does per peer.
      'grpc.use_local_subchannel_pool': 1,
      'bench.id': nextId++,
    });
  const down = (c: grpc.Client, message: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const call = c.makeServerStreamRequest(
        SERVICE.down.path,
        same,
        same,
        Buffer.from(String(message)),
      );
      call.on('data', () => undefined);
      call.on('end', resolve);
      call.on('error', reject);
    });
  const up = (c: grpc.Client, message: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const call = c.makeClientStreamRequest(SERVICE.up.path, same, same, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
      pump(
        (b) => call.write(b),
        (e, f) => call.once(e, f),
        message,
        () => call.end(),
      );
    });
  const tcp = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = createConnection({ port: ports.tcp, host: '127.0.0.1' }, () => {
        pump(
          (b) => socket.write(b),
          (e, f) => socket.once(e, f),
          MiB,
          () => socket.end(),
        );
      });
      socket.on('data', () => undefined);
      socket.on('close', () => {
        resolve();
      });
    });
  const window = { 'grpc-node.flow_control_window': 64 * MiB };
  const variants: Record<string, () => Promise<unknown>> = {
    'raw TCP, 1 MiB writes': tcp,
    'client stream (upload), default 64 KiB window, 1 MiB msgs': () => up(client({}), MiB),
    'server stream (download), default 64 KiB window, 1 MiB msgs': () => down(client({}), MiB),
    'server stream, 64 MiB client window, 1 MiB msgs': () => down(client(window), MiB),
    'server stream, 64 MiB client window, 256 KiB msgs': () => down(client(window), MiB / 4),
    'server stream, 64 MiB client window, 4 MiB msgs': () => down(client(window), 4 * MiB),
    'server stream, 64 MiB window, 2 connections (sum)': () =>
      Promise.all([down(client(window), MiB), down(client(window), MiB)]),
  };
  const results = new Map<string, { rates: number[]; cpu: number[] }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const cpuBefore = cpuMs() + (await serverCpuMs());
      const started = process.hrtime.bigint();
      await run();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = cpuMs() + (await serverCpuMs()) - cpuBefore;
      const megabytes = (name.includes('2 connections') ? 2 * TOTAL : TOTAL) / 1e6;
      const r = results.get(name) ?? { rates: [], cpu: [] };
      r.rates.push(megabytes / seconds);
      r.cpu.push(cpu / megabytes);
      results.set(name, r);
    }
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  process.stdout.write(
    '| variant | median MB/s | all rounds MB/s | CPU ms/MB (sender + receiver) |\n|---|---|---|---|\n',
  );
  for (const [name, { rates, cpu }] of results) {
    process.stdout.write(
      `| ${name} | ${median(rates).toFixed(0)} | ${rates.map((r) => r.toFixed(0)).join(', ')} | ` +
        `${median(cpu).toFixed(2)} |\n`,
    );
  }
}

if (process.argv[2] === 'serve') {
  serve();
} else {
  const child = fork(__filename, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onCpu: ((ms: number) => void) | undefined;
  const serverCpuMs = (): Promise<number> =>
    new Promise((resolve) => {
      onCpu = resolve;
      child.send('cpu');
    });
  child.on('message', (m: { grpc: number; tcp: number } | { cpuMs: number }) => {
    if ('cpuMs' in m) {
      onCpu?.(m.cpuMs);
      return;
    }
    measure(m, serverCpuMs)
      .catch((error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exitCode = 1;
      })
      .finally(() => {
        child.kill();
        process.exit();
      });
  });
}
