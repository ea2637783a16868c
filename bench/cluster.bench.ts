import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { stepMetricsSchema, type StepMetrics } from '@repvgg/contracts';
import { archFileArg } from './arch-file-arg';
import { publishBenchResults, runBench } from './bench-output';

/**
 * `npm run bench -- cluster [--epochs E] [--workers N] [--overlap on] [--arch-file F]`: the Fashion-MNIST preset trained by one
 * process (`repvgg train`) against the same preset as a job on a local cluster of N workers on the
 * same cores (`repvgg cluster up` + `repvgg submit --watch`), and where a distributed step's time
 * goes. Throughput counts training images over the training time of the epochs (validation apart):
 * for `train` the report's per-epoch images/s, for the job the committed steps' images over the
 * span of their commit times. A step's split, as the leader measured it (StepMetrics): data wait
 * (awaiting decoded batches), compute (the replicas' gradients), all-reduce (with the overlap: what
 * of it the compute did not hide), apply (the update), and commit (the previous step's ReportStep
 * round trip and proceed broadcast). `--overlap on` submits the job with the job spec's `overlap`
 * on: gradient buckets all-reduced while backward computes. `--arch-file F` trains another
 * architecture (`repvgg train --arch-file`'s JSON) in the preset's recipe on both sides.
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

function singleProcess(epochs: number, dir: string): number {
  const out = join(dir, 'train');
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
  const { history } = historySchema.parse(
    JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')),
  ).metrics;
  return history.reduce((s, e) => s + e.trainImagesPerSec, 0) / history.length;
}

interface StepSplit {
  readonly imagesPerSecond: number;
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
function splitOf(steps: readonly StepMetrics[]): StepSplit {
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

async function distributed(epochs: number, workers: number, dir: string): Promise<StepSplit> {
  const cluster = join(dir, 'cluster');
  repvgg(['cluster', 'up', '--detach', '--workers', String(workers), '--dir', cluster]);
  try {
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
    const state = z
      .object({ coordinatorUrl: z.string(), tokenFile: z.string() })
      .parse(JSON.parse(readFileSync(join(cluster, 'cluster.json'), 'utf8')));
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
    return splitOf(metrics.steps);
  } finally {
    repvgg(['cluster', 'down', '--dir', cluster]);
  }
}

runBench('cluster', async () => {
  const epochs = arg('epochs', 1);
  const workers = arg('workers', 2);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  const load = loadavg()[0];
  try {
    const single = singleProcess(epochs, dir);
    const split = await distributed(epochs, workers, dir);
    const ratio = split.imagesPerSecond / single;
    const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
    const report = {
      preset: 'fashion-mnist',
      archFile: archArgs()[1] ?? null,
      epochs,
      workers,
      overlap: overlapArg(),
      cores: availableParallelism(),
      loadAverageAtStart: load,
      singleProcessImagesPerSecond: single,
      distributed: split,
      ratio,
      target: 0.95,
    };
    const markdown =
      `| run | img/s | × one process | data wait | compute | all-reduce (exposed) | apply | commit |\n|---|---|---|---|---|---|---|---|\n` +
      `| repvgg train (1 process) | ${single.toFixed(0)} | 1.00 | – | – | – | – | – |\n` +
      `| ${workers} workers (local cluster, overlap ${report.overlap}) | ${split.imagesPerSecond.toFixed(0)} | ${ratio.toFixed(2)} | ` +
      `${pct(split.dataWait)} | ${pct(split.compute)} | ${pct(split.allreduce)} | ${pct(split.apply)} | ${pct(split.commit)} |\n`;
    publishBenchResults('cluster', report, markdown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
