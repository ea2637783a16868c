/**
 * Ring all-reduce on loopback, on both data planes (raw TCP, gRPC): N = 2, 3, 4 worker processes,
 * 1/16/64 MiB and RepVGG-A0's gradient (9,108,968 floats); time, algbw, busbw = algbw × 2(N−1)/N,
 * and, measured right before each ring, raw TCP one-way throughput and raw TCP through a ring of N
 * processes with every link busy at once (the same traffic without any collective logic). Writes bench/results/allreduce.json and the
 * table in docs/collective.md.
 *
 *   npm run build && npm run bench -- allreduce
 *   knobs: BENCH_WORKERS=2,3,4  BENCH_SIZES_MIB=1,16,64,a0  BENCH_CONNECTIONS=1  BENCH_CHUNK_MIB=2
 *          BENCH_MODE=fast|deterministic  BENCH_FP16=1  BENCH_DATA_PLANES=tcp,grpc
 *          BENCH_PLAIN_BUFFER=1 (reduce a plain Float32Array, not one from `reduceBuffer`)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { extname, join } from 'node:path';
import { type DataPlane, parseDataPlane } from '@repvgg/collective';
import type { WorkerCommand, WorkerReply } from './allreduce.worker';

const MiB = 1 << 20;
const A0_GRADIENT_FLOATS = 9_108_968;
const repoRoot = join(__dirname, extname(__filename) === '.ts' ? '..' : '../..');

interface BenchRecord {
  workers: number;
  bytes: number;
  mode: string;
  seconds: number;
  algbwMBps: number;
  busbwMBps: number;
  tcpMBps: number;
  /**
   * Raw TCP per link when N processes in a ring each send to the next and receive from the previous
   * at the same time, as every ring all-reduce step does. Where the members share the cores with the
   * kernel's TCP work, this — not one-way TCP — is the yardstick for a ring's busbw.
   */
  tcpRingMBps: number;
  /** CPU milliseconds one member spends per MB of buffer: the cost that two busy cores ration. */
  cpuMsPerMB: number;
  /**
   * Medians of the user-space and system-call parts of `cpuMsPerMB` (the kernel's TCP work). Linux
   * splits CPU time between the two by sampling, so over sub-millisecond calls the split is rough.
   */
  userCpuMsPerMB: number;
  systemCpuMsPerMB: number;
  /** CPU milliseconds raw TCP spends (sender + receiver) per MB moved one way. */
  tcpCpuMsPerMB: number;
  connectionsPerPeer: number;
  chunkBytes: number;
  label: string;
  /** Where the chunks travelled: raw TCP links ('tcp', the default) or gRPC streams. */
  dataPlane: DataPlane;
}

const list = (value: string | undefined, fallback: string): string[] =>
  (value ?? fallback).split(',').map((s) => s.trim());

class Worker {
  private readonly process: ChildProcess;
  private readonly inbox: WorkerReply[] = [];
  private wake: (() => void) | undefined;

  constructor() {
    this.process = fork(join(__dirname, `allreduce.worker${extname(__filename)}`), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (m: WorkerReply) => {
      this.inbox.push(m);
      this.wake?.();
    });
  }

  send(command: WorkerCommand): void {
    this.process.send(command);
  }

  /** The next reply of this type; replies of other types stay queued (a ring link's ends interleave). */
  async next<T extends WorkerReply['type']>(type: T): Promise<Extract<WorkerReply, { type: T }>> {
    for (;;) {
      const failed = this.inbox.find((m) => m.type === 'failed');
      if (failed?.type === 'failed') throw new Error(`worker failed: ${failed.message}`);
      const at = this.inbox.findIndex((m) => m.type === type);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<WorkerReply, { type: T }>;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async ask<T extends WorkerReply['type']>(
    command: WorkerCommand,
    type: T,
  ): Promise<Extract<WorkerReply, { type: T }>> {
    this.send(command);
    return this.next(type);
  }

  stop(): void {
    this.send({ type: 'exit' });
  }
}

interface TcpBaseline {
  mbps: number;
  cpuMsPerMB: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Median of five 1 GiB one-way transfers (the ring is reported as a median too). */
async function measureTcp(): Promise<TcpBaseline> {
  const [sink, source] = [new Worker(), new Worker()];
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { port } = await sink.ask({ type: 'tcp-sink' }, 'tcp-listening');
    source.send({ type: 'tcp-source', port, bytes: 1024 * MiB });
    const received = await sink.next('tcp-received');
    const sent = await source.next('tcp-sent');
    rates.push(received.bytes / received.seconds / 1e6);
    cpu.push(((received.cpuSeconds + sent.cpuSeconds) * 1000) / (received.bytes / 1e6));
  }
  sink.stop();
  source.stop();
  return { mbps: median(rates), cpuMsPerMB: median(cpu) };
}

/**
 * Raw TCP per link through a ring of n processes, all links carrying 1 GiB at once: each process
 * sinks what its left neighbour sends and sends to its right one. Median over three rounds of the
 * links' rates (each measured at its receiver, first byte to end, as one-way is).
 */
async function measureTcpRing(n: number): Promise<number> {
  const workers = Array.from({ length: n }, () => new Worker());
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    const ports = await Promise.all(
      workers.map((w) => w.ask({ type: 'tcp-sink' }, 'tcp-listening')),
    );
    workers.forEach((w, rank) => {
      w.send({ type: 'tcp-source', port: ports[(rank + 1) % n].port, bytes: 1024 * MiB });
    });
    const received = await Promise.all(workers.map((w) => w.next('tcp-received')));
    await Promise.all(workers.map((w) => w.next('tcp-sent')));
    rates.push(median(received.map((r) => r.bytes / r.seconds / 1e6)));
  }
  workers.forEach((w) => {
    w.stop();
  });
  return median(rates);
}

/**
 * Both baselines are measured right before each ring (the host's speed drifts over the minutes a
 * full run takes), so every ratio compares runs seconds apart.
 */
async function measureRing(
  n: number,
  sizes: { label: string; elements: number }[],
  dataPlane: DataPlane,
): Promise<BenchRecord[]> {
  const tcp = await measureTcp();
  const tcpRingMBps = await measureTcpRing(n);
  process.stdout.write(
    `raw TCP one-way: ${tcp.mbps.toFixed(0)} MB/s (${tcp.cpuMsPerMB.toFixed(2)} CPU ms/MB); ` +
      `through a ring of ${n} processes: ${tcpRingMBps.toFixed(0)} MB/s per link\n`,
  );
  const connectionsPerPeer = Number(process.env.BENCH_CONNECTIONS ?? 1);
  const chunkBytes = Math.round(Number(process.env.BENCH_CHUNK_MIB ?? 2) * MiB);
  const mode = process.env.BENCH_MODE === 'deterministic' ? 'deterministic' : 'fast';
  const fp16Wire = process.env.BENCH_FP16 === '1';
  const workers = Array.from({ length: n }, () => new Worker());
  const ports = await Promise.all(workers.map((w) => w.ask({ type: 'listen' }, 'listening')));
  const peers = ports.map((p) => `127.0.0.1:${p.port}`);
  await Promise.all(
    workers.map((w, rank) =>
      w.ask({ type: 'join', rank, peers, connectionsPerPeer, chunkBytes, dataPlane }, 'joined'),
    ),
  );
  const records: BenchRecord[] = [];
  for (const size of sizes) {
    const bytes = size.elements * 4;
    const iterations = bytes <= MiB ? 20 : bytes <= 16 * MiB ? 10 : 5;
    const timed = await Promise.all(
      workers.map((w) =>
        w.ask({ type: 'allreduce', elements: size.elements, mode, fp16Wire, iterations }, 'timed'),
      ),
    );
    if (timed.some((t) => t.check !== n))
      throw new Error(`wrong sum: ${timed.map((t) => t.check).join()}`);
    // An iteration takes as long as its slowest member.
    const perIteration = timed[0].seconds.map((_, i) =>
      Math.max(...timed.map((t) => t.seconds[i])),
    );
    const seconds = median(perIteration);
    const cpuSeconds = median(timed.flatMap((t) => t.cpuSeconds));
    const userSeconds = median(timed.flatMap((t) => t.userSeconds));
    // Per-sample system time, then its median: a difference of medians could come out negative.
    const systemSeconds = median(
      timed.flatMap((t) => t.cpuSeconds.map((cpu, i) => cpu - (t.userSeconds[i] ?? 0))),
    );
    const algbwMBps = bytes / seconds / 1e6;
    const record: BenchRecord = {
      workers: n,
      bytes,
      mode: fp16Wire ? `${mode}+fp16` : mode,
      seconds,
      algbwMBps,
      busbwMBps: (algbwMBps * 2 * (n - 1)) / n,
      tcpMBps: tcp.mbps,
      tcpRingMBps,
      cpuMsPerMB: (cpuSeconds * 1000) / (bytes / 1e6),
      userCpuMsPerMB: (userSeconds * 1000) / (bytes / 1e6),
      // Sampled split: a sub-millisecond call can show a hair below zero.
      systemCpuMsPerMB: Math.max(0, (systemSeconds * 1000) / (bytes / 1e6)),
      tcpCpuMsPerMB: tcp.cpuMsPerMB,
      connectionsPerPeer,
      chunkBytes,
      label: size.label,
      dataPlane,
    };
    process.stdout.write(`${JSON.stringify(record)}\n`);
    records.push(record);
  }
  workers.forEach((w) => {
    w.stop();
  });
  return records;
}

function markdown(records: BenchRecord[], note: string): string {
  const rows = records.map(
    (r) =>
      `| ${r.dataPlane} | ${r.workers} | ${r.label} | ${r.mode} | ${(r.seconds * 1000).toFixed(1)} | ` +
      `${r.algbwMBps.toFixed(0)} | ${r.busbwMBps.toFixed(0)} | ${r.tcpMBps.toFixed(0)} | ` +
      `${(r.busbwMBps / r.tcpMBps).toFixed(2)} | ${r.tcpRingMBps.toFixed(0)} | ` +
      `${(r.busbwMBps / r.tcpRingMBps).toFixed(2)} | ${r.cpuMsPerMB.toFixed(2)} ` +
      `(${r.userCpuMsPerMB.toFixed(2)} + ${r.systemCpuMsPerMB.toFixed(2)}) | ` +
      `${r.tcpCpuMsPerMB.toFixed(2)} |`,
  );
  return [
    note,
    '',
    '| data plane | workers | buffer | mode | ms | algbw MB/s | busbw MB/s | raw TCP MB/s ' +
      '| busbw ÷ TCP | raw TCP ring MB/s per link | busbw ÷ TCP ring ' +
      '| member CPU ms/MB (user + sys) | TCP CPU ms/MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Share of time runnable tasks waited for a CPU in the last 10 s (Linux PSI), if available. */
function cpuPressure(): string {
  try {
    const match = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match === null ? 'n/a' : `${match[1]} %`;
  } catch {
    return 'n/a';
  }
}

async function main(): Promise<void> {
  const sizes = list(process.env.BENCH_SIZES_MIB, '1,16,64,a0').map((s) =>
    s === 'a0'
      ? { label: 'A0 grad (36.4 MB)', elements: A0_GRADIENT_FLOATS }
      : { label: `${s} MiB`, elements: (Number(s) * MiB) / 4 },
  );
  const loadBefore = loadavg()[0];
  const pressureBefore = cpuPressure();
  const records: BenchRecord[] = [];
  for (const plane of list(process.env.BENCH_DATA_PLANES, 'tcp,grpc').map(parseDataPlane)) {
    for (const n of list(process.env.BENCH_WORKERS, '2,3,4').map(Number)) {
      records.push(...(await measureRing(n, sizes, plane)));
    }
  }
  const note =
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} cores ` +
    `(load average ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after; ` +
    `CPU pressure ${pressureBefore} before, ${cpuPressure()} after: the share of time runnable ` +
    `tasks waited for a core), ${records[0]?.connectionsPerPeer ?? 1} connection(s) per peer, ` +
    `${((records[0]?.chunkBytes ?? MiB) / MiB).toFixed(2)} MiB chunks.`;
  const table = markdown(records, note);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(repoRoot, 'bench', 'results', 'allreduce.json'),
    `${JSON.stringify(records, null, 2)}\n`,
  );
  const docPath = join(repoRoot, 'docs', 'collective.md');
  const doc = readFileSync(docPath, 'utf8');
  const start = '<!-- allreduce-bench:start -->';
  const end = '<!-- allreduce-bench:end -->';
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) {
    writeFileSync(docPath, `${doc.slice(0, from + start.length)}\n${table}\n${doc.slice(to)}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
