import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { publishBenchResults, runBench } from './bench-output';

/**
 * `npm run bench -- peer [--epochs E] [--device cpu|cuda] [--python PATH]`: the Fashion-MNIST
 * preset trained by `repvgg train --dataset fashion-mnist --threads 2` and by its PyTorch peer
 * (bench/peer/fashion_mnist_peer.py: the same architecture, replica split, optimizer, schedule,
 * weight-decay exclusions and augmentation, 2 threads), one after the other, E epochs each (default
 * the preset's 10). Throughput is training images over the epochs' training time (validation
 * apart), as both report it; wall time is the whole process. PyTorch is a dev-time yardstick only:
 * without a `python3` that imports torch (Debian: apt-get install python3-torch) the peer is
 * skipped with a note. The backend is `repvgg train`'s usual choice (REPVGG_BACKEND to pin one).
 */

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'repvgg.js');
const PEER = join(ROOT, 'bench', 'peer', 'fashion_mnist_peer.py');
const THREADS = 2;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const epochs = Number(flag('epochs') ?? 10);
const device = flag('device') ?? 'cpu';
const python = flag('python') ?? '/usr/bin/python3';

interface Run {
  readonly wallSeconds: number;
  readonly trainSeconds: number;
  readonly trainImagesPerSec: number;
  readonly top1: number | null;
  readonly perEpoch: readonly {
    readonly trainImagesPerSec: number;
    readonly top1: number | null;
  }[];
}

function timedRun(cmd: string, args: readonly string[]): { stdout: string; wallSeconds: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 4 * 3_600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${String(r.status)}`);
  return { stdout: r.stdout, wallSeconds: (performance.now() - t0) / 1000 };
}

const reportSchema = z.object({
  metrics: z.object({
    top1: z.number().nullable(),
    history: z.array(
      z.object({
        trainImagesPerSec: z.number(),
        seconds: z.number(),
        val: z
          .object({ top1: z.number(), imagesPerSec: z.number(), images: z.number() })
          .optional(),
      }),
    ),
  }),
});

function repvggTrain(dir: string): Run {
  const out = join(dir, 'train');
  const args = ['train', '--dataset', 'fashion-mnist', '--epochs', String(epochs)];
  const { wallSeconds } = timedRun(process.execPath, [
    BIN,
    ...args,
    '--threads',
    String(THREADS),
    '--out',
    out,
  ]);
  const { top1, history } = reportSchema.parse(
    JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')),
  ).metrics;
  // an epoch's training time: its images over its measured rate (its `seconds` include validation)
  const images = history.map((e) => e.trainImagesPerSec * trainSecondsOf(e));
  const trainSeconds = history.reduce((s, e) => s + trainSecondsOf(e), 0);
  return {
    wallSeconds,
    trainSeconds,
    trainImagesPerSec: images.reduce((s, n) => s + n, 0) / trainSeconds,
    top1,
    perEpoch: history.map((e) => ({
      trainImagesPerSec: e.trainImagesPerSec,
      top1: e.val?.top1 ?? null,
    })),
  };
}

/** An epoch's seconds without its validation pass. */
function trainSecondsOf(e: z.infer<typeof reportSchema>['metrics']['history'][number]): number {
  return e.seconds - (e.val === undefined ? 0 : e.val.images / e.val.imagesPerSec);
}

const peerSchema = z.object({
  torch: z.string(),
  threads: z.number(),
  device: z.string(),
  trainSeconds: z.number(),
  trainImagesPerSec: z.number(),
  top1: z.number(),
  history: z.array(z.object({ trainImagesPerSec: z.number(), testTop1: z.number() })),
});

function pytorchPeer(): (Run & { readonly torch: string }) | { readonly skipped: string } {
  if (!existsSync(python)) return { skipped: `${python} not found` };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { skipped: `${python} cannot import torch (Debian: apt-get install python3-torch)` };
  }
  const { stdout, wallSeconds } = timedRun(python, [
    PEER,
    '--epochs',
    String(epochs),
    '--threads',
    String(THREADS),
    '--device',
    device,
  ]);
  const r = peerSchema.parse(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
  return {
    torch: `${r.torch} (${r.device}, ${String(r.threads)} threads)`,
    wallSeconds,
    trainSeconds: r.trainSeconds,
    trainImagesPerSec: r.trainImagesPerSec,
    top1: r.top1,
    perEpoch: r.history.map((e) => ({ trainImagesPerSec: e.trainImagesPerSec, top1: e.testTop1 })),
  };
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);
const row = (name: string, r: Run): string =>
  `| ${name} | ${r.wallSeconds.toFixed(0)} | ${r.trainSeconds.toFixed(0)} | ${r.trainImagesPerSec.toFixed(0)} | ${pct(r.top1)} |`;

function main(): Promise<void> {
  if (!Number.isInteger(epochs) || epochs < 1) {
    return Promise.reject(new Error('--epochs takes a whole number ≥ 1'));
  }
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'repvgg-peer-'));
  let train: Run;
  try {
    process.stderr.write(`bench peer: repvgg train, ${String(epochs)} epoch(s) …\n`);
    train = repvggTrain(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(`bench peer: PyTorch peer, ${String(epochs)} epoch(s) …\n`);
  const peer = pytorchPeer();
  const loadAfter = loadavg();
  const ratio = 'skipped' in peer ? null : train.trainImagesPerSec / peer.trainImagesPerSec;
  const report = {
    benchmark: 'peer',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    epochs,
    threads: THREADS,
    backend: process.env.REPVGG_BACKEND ?? 'auto',
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
    repvggTrain: train,
    pytorch: peer,
    throughputRatio: ratio,
  };
  const lines = [
    `Fashion-MNIST preset (RepVGG [1,2,2,1] × 0.25, 28², batch 128 as 2 BN replicas), ${String(epochs)} epoch(s), ${String(THREADS)} threads, run one after the other on ${String(cpus().length)} cores.`,
    'img/s: training images over the training time (validation apart); top-1 on the test split.',
    '',
    '| run | wall s | train s | img/s | top-1 |',
    '|---|---|---|---|---|',
    row('repvgg train', train),
  ];
  if ('skipped' in peer) lines.push('', `PyTorch peer skipped: ${peer.skipped}.`);
  else {
    lines.push(row(`PyTorch ${peer.torch}`, peer));
    lines.push('', `repvgg train / PyTorch throughput: ${(ratio ?? 0).toFixed(2)}×.`);
  }
  lines.push(
    '',
    `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}; after: ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}. A shared machine's load makes single runs noisy.`,
    '',
  );
  publishBenchResults('peer', report, lines.join('\n'));
  return Promise.resolve();
}

runBench('peer', main);
