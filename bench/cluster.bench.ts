import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { stepMetricsSchema, type StepMetrics } from '@repvgg/contracts';
import { archFileArg } from './arch-file-arg';
import { publishBenchResults, runBench } from './bench-output';
import { median } from './median';
import { endedChildrenCpuSeconds, processCpuSeconds } from './process-cpu';

/**
 * `npm run bench -- cluster [--epochs E] [--workers N] [--rounds R] [--overlap on] [--arch-file F]`:
 * the Fashion-MNIST preset trained by one process (`repvgg train`) against the same preset as a job
 * on a local cluster of N workers on the same cores (`repvgg cluster up` + `repvgg submit --watch`),
 * and where a distributed step's time goes. Throughput counts training images over the training
 * time of the epochs (validation apart): for `train` the report's per-epoch images/s, for the job
 * the committed steps' images over the span of their commit times. A step's split, as the leader
 * measured it (StepMetrics): data wait (awaiting decoded batches), compute (the replicas'
 * gradients), all-reduce (with the overlap: what of it the compute did not hide), apply (the
 * update), and commit (what the compute did not hide of the previous step's ReportStep round trip,
 * and of the proceed broadcast where one is sent). The two runs alternate R times (default 3; the
 * one-process run first in odd rounds, the job first in even ones) and the ratio reported is the
 * median of the rounds' ratios: a machine whose speed drifts by tens of percent within minutes
 * moves both runs of a round together far more than it moves runs apart. Each round also gives
 * both sides' CPU seconds for the same epochs: the `train` process's whole life, and every process
 * of the cluster (supervisor, Redis, coordinator, workers) from the submission to the job's end.
 * `--overlap on` submits the job with the job spec's `overlap` on: gradient buckets all-reduced
 * while backward computes. `--arch-file F` trains another architecture (`repvgg train
 * --arch-file`'s JSON) in the preset's recipe on both sides.
 */

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'repvgg.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? undefined : Number(process.argv[i + 1]);
  return v === undefined || !Number.isInteger(v) || v < 1 ? fallback : v;
}

/** `--arch-file F` for both runs, or nothing (the preset's architecture). */
function archArgs(): string[] {
  const file = archFileArg();
  return file === undefined ? [] : ['--arch-file', file];
}

/** `--overlap on|off` (default off, as the job spec's): the overlap of all-reduce and backward. */
function overlapArg(): 'on' | 'off' {
  const i = process.argv.indexOf('--overlap');
  return i >= 0 && process.argv[i + 1] === 'on' ? 'on' : 'off';
}

function repvgg(args: readonly string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 3_600_000,
  });
  if (r.status !== 0) throw new Error(`repvgg ${args.join(' ')} exited with ${String(r.status)}`);
  return r.stdout;
}

const historySchema = z.object({
  metrics: z.object({
    history: z.array(z.object({ trainImagesPerSec: z.number(), seconds: z.number() })),
  }),
});

/** One side of a round: its throughput and the CPU seconds it took. */
interface Side {
  readonly imagesPerSecond: number;
  readonly cpuSeconds: number;
}

function singleProcess(epochs: number, dir: string): Side {
  const out = join(dir, 'train');
  rmSync(out, { recursive: true, force: true });
  const cpuBefore = endedChildrenCpuSeconds();
  repvgg([
    'train',
    '--dataset',
    'fashion-mnist',
    '--epochs',
    String(epochs),
    ...archArgs(),
    '--out',
    out,
  ]);
  const cpuSeconds = endedChildrenCpuSeconds() - cpuBefore;
  const { history } = historySchema.parse(
    JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')),
  ).metrics;
  const imagesPerSecond = history.reduce((s, e) => s + e.trainImagesPerSec, 0) / history.length;
  return { imagesPerSecond, cpuSeconds };
}

interface StepSplit extends Side {
  readonly steps: number;
  readonly dataWait: number;
  readonly compute: number;
  readonly allreduce: number;
  readonly apply: number;
  readonly commit: number;
}

/**
 * Throughput from the gaps between consecutive commits per epoch (an epoch's first step has none);
 * the phases' shares from the leader's measured split of the steps that carry one.
 */
function splitOf(steps: readonly StepMetrics[]): Omit<StepSplit, 'cpuSeconds'> {
  let images = 0;
  let span = 0;
  let counted = 0;
  for (let i = 1; i < steps.length; i++) {
    const [prev, cur] = [steps[i - 1], steps[i]];
    if (prev.epoch !== cur.epoch) continue;
    images += cur.images;
    span += (Date.parse(cur.at) - Date.parse(prev.at)) / 1000;
    counted++;
  }
  const phases = { dataWait: 0, compute: 0, allreduce: 0, apply: 0, commit: 0 };
  for (const m of steps) {
    if (m.computeSeconds === undefined) continue;
    phases.dataWait += m.dataWaitSeconds ?? 0;
    phases.compute += m.computeSeconds;
    phases.allreduce += m.allreduceSeconds;
    phases.apply += m.applySeconds ?? 0;
    phases.commit += m.commitSeconds ?? 0;
  }
  const total = Object.values(phases).reduce((a, b) => a + b, 0);
  const share = (x: number): number => (total > 0 ? x / total : 0);
  return {
    imagesPerSecond: images / span,
    steps: counted,
    dataWait: share(phases.dataWait),
    compute: share(phases.compute),
    allreduce: share(phases.allreduce),
    apply: share(phases.apply),
    commit: share(phases.commit),
  };
}

const clusterFileSchema = z.object({
  coordinatorUrl: z.string(),
  tokenFile: z.string(),
  processes: z.array(z.object({ pid: z.number() })),
});

async function distributed(epochs: number, workers: number, dir: string): Promise<StepSplit> {
  const cluster = join(dir, 'cluster');
  rmSync(cluster, { recursive: true, force: true });
  repvgg(['cluster', 'up', '--detach', '--workers', String(workers), '--dir', cluster]);
  try {
    const state = clusterFileSchema.parse(
      JSON.parse(readFileSync(join(cluster, 'cluster.json'), 'utf8')),
    );
    const pids = state.processes.map((p) => p.pid);
    const cpuBefore = processCpuSeconds(pids);
    const id = repvgg([
      'submit',
      '--dataset',
      'fashion-mnist',
      '--epochs',
      String(epochs),
      '--workers-max',
      String(workers),
      '--overlap',
      overlapArg(),
      ...archArgs(),
      '--cluster-dir',
      cluster,
      '--watch',
    ]).split('\n')[0];
    const cpuSeconds = processCpuSeconds(pids) - cpuBefore;
    const auth = {
      Authorization: `Bearer ${readFileSync(state.tokenFile, 'utf8').trim()}`,
    };
    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(`${state.coordinatorUrl}${path}`, { headers: auth });
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
      return res.json();
    };
    const metrics = z
      .object({ steps: z.array(stepMetricsSchema) })
      .parse(await get(`/v1/jobs/${id}/metrics?steps=1000`));
    return { ...splitOf(metrics.steps), cpuSeconds };
  } finally {
    repvgg(['cluster', 'down', '--dir', cluster]);
  }
}

interface Round {
  readonly single: Side;
  readonly distributed: StepSplit;
  readonly ratio: number;
}

runBench('cluster', async () => {
  const epochs = arg('epochs', 1);
  const workers = arg('workers', 2);
  const rounds = arg('rounds', 3);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  const load = loadavg()[0];
  try {
    const done: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      let single: Side;
      let split: StepSplit;
      if (r % 2 === 0) {
        single = singleProcess(epochs, dir);
        split = await distributed(epochs, workers, dir);
      } else {
        split = await distributed(epochs, workers, dir);
        single = singleProcess(epochs, dir);
      }
      const round = {
        single,
        distributed: split,
        ratio: split.imagesPerSecond / single.imagesPerSecond,
      };
      done.push(round);
      process.stderr.write(
        `bench cluster: round ${r + 1}/${rounds}: ${single.imagesPerSecond.toFixed(0)} vs ${split.imagesPerSecond.toFixed(0)} img/s, ${round.ratio.toFixed(2)}x\n`,
      );
    }
    const ratio = median(done.map((d) => d.ratio));
    const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
    const report = {
      preset: 'fashion-mnist',
      archFile: archArgs()[1] ?? null,
      epochs,
      workers,
      overlap: overlapArg(),
      cores: availableParallelism(),
      loadAverageAtStart: load,
      rounds: done,
      singleProcessImagesPerSecond: median(done.map((d) => d.single.imagesPerSecond)),
      distributedImagesPerSecond: median(done.map((d) => d.distributed.imagesPerSecond)),
      ratio,
      target: 0.95,
    };
    const row = (d: Round, i: number): string =>
      `| ${i + 1} | ${d.single.imagesPerSecond.toFixed(0)} | ${d.distributed.imagesPerSecond.toFixed(0)} | ` +
      `${d.ratio.toFixed(2)} | ${d.single.cpuSeconds.toFixed(1)} / ${d.distributed.cpuSeconds.toFixed(1)} | ` +
      `${pct(d.distributed.dataWait)} | ${pct(d.distributed.compute)} | ${pct(d.distributed.allreduce)} | ` +
      `${pct(d.distributed.apply)} | ${pct(d.distributed.commit)} |\n`;
    const markdown =
      `${workers} workers (local cluster, overlap ${report.overlap}) against \`repvgg train\`, ${epochs} epoch(s) each, ` +
      `median ratio **${ratio.toFixed(2)}×** (target 0.95×)\n\n` +
      `| round | one process img/s | ${workers} workers img/s | × one process | CPU s (one process / cluster) | data wait | compute | all-reduce (exposed) | apply | commit |\n` +
      `|---|---|---|---|---|---|---|---|---|---|\n` +
      done.map(row).join('');
    publishBenchResults('cluster', report, markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
