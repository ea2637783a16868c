import { publishBenchResults, runBench } from './bench-output';
import { leastKernelTimes, type KernelShare } from './kernel-profile';
import { median } from './median';
import { torchRatios, type TorchRatio } from './model-torch-peer';
import type { Architecture } from '@repvgg/core/arch/arch-spec';
import { resolveArch } from '@repvgg/core/arch/resolve-arch';
import { parseArchSpecJson } from '@repvgg/core/arch/resolve-arch';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { compareLogits } from '@repvgg/core/export/equivalence';
import { DeployModel } from '@repvgg/core/graph/deploy-model';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { reparameterize } from '@repvgg/core/reparam/reparameterize';
import { initStateDict } from '@repvgg/core/weights/init';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- model [a0|mini] [--iterations N] [--python PATH]`: inference throughput of the
 * multi-branch training graph (BN in inference mode) against the fused single-branch model on the
 * active backend, and where each forward's time goes per kernel. A case filter and a smaller N give
 * a short run. With A0, PyTorch's ratio measured the same way on 1 and 2 threads, when `python`
 * (default /usr/bin/python3) imports torch.
 */

interface Case {
  readonly label: string;
  readonly arch: Architecture;
  readonly resolution: number;
  readonly batch: number;
  readonly warmup: number;
  readonly iterations: number;
}

interface Timing {
  readonly imgPerSec: number;
  readonly msPerBatch: number;
  /**
   * Median process CPU time of one batch. Every kernel runs on this one thread, so CPU time
   * counts the work without the time other processes held the core: on a loaded machine it is
   * the steadier figure.
   */
  readonly cpuMsPerBatch: number;
}

/** One timed batch: wall and process CPU milliseconds. */
interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface CaseResult {
  readonly model: string;
  readonly resolution: number;
  readonly batch: number;
  readonly iterations: number;
  readonly multiBranch: Timing;
  readonly fused: Timing;
  /** Median over the alternated pairs of multi-branch ÷ fused wall time. */
  readonly speedup: number;
  /** The same median on CPU time. */
  readonly cpuSpeedup: number;
  /** Per kernel, the least time over the profiled forwards (most expensive first). */
  readonly kernels: { readonly multiBranch: KernelShare[]; readonly fused: KernelShare[] };
  /** Fused vs multi-branch logits on the benchmark batch: the two are the same function. */
  readonly maxAbsDiff: number;
}

interface Model {
  predict(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

const MINI = expandArch(
  parseArchSpecJson(
    JSON.stringify({
      numBlocks: [2, 2, 2, 1],
      widthMultiplier: [0.25, 0.25, 0.25, 0.25],
      numClasses: 10,
    }),
    'mini [16,32,64,128]',
  ),
);

const CASES: readonly Case[] = [
  {
    label: 'RepVGG-A0',
    arch: resolveArch({ arch: 'RepVGG-A0' }),
    resolution: 224,
    batch: 8,
    warmup: 1,
    iterations: 7,
  },
  { label: MINI.spec.name, arch: MINI, resolution: 32, batch: 64, warmup: 2, iterations: 20 },
];

const cpuMsNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function timeBatch(model: Model, x: tf.Tensor4D): Promise<Sample> {
  const c0 = cpuMsNow();
  const t0 = performance.now();
  const y = model.predict(x);
  await y.data();
  y.dispose();
  return { wallMs: performance.now() - t0, cpuMs: cpuMsNow() - c0 };
}

const timing = (samples: readonly Sample[], batch: number): Timing => {
  const msPerBatch = median(samples.map((s) => s.wallMs));
  return {
    msPerBatch,
    imgPerSec: (batch * 1000) / msPerBatch,
    cpuMsPerBatch: median(samples.map((s) => s.cpuMs)),
  };
};

interface PairedTimings {
  readonly multi: Timing;
  readonly fused: Timing;
  readonly speedup: number;
  readonly cpuSpeedup: number;
}

/**
 * One batch of each model per pair (synchronized by reading the logits back), alternated so that
 * load from other processes on a shared machine hits both alike; the speedups are medians of the
 * per-pair ratios, which a burst of load inflates on both sides of one pair.
 */
async function timeBoth(
  multi: Model,
  fused: Model,
  x: tf.Tensor4D,
  c: Case,
): Promise<PairedTimings> {
  const pairs: { m: Sample; f: Sample }[] = [];
  for (let i = 0; i < c.warmup + c.iterations; i++) {
    const m = await timeBatch(multi, x);
    const f = await timeBatch(fused, x);
    if (i >= c.warmup) pairs.push({ m, f });
  }
  return {
    multi: timing(
      pairs.map((p) => p.m),
      c.batch,
    ),
    fused: timing(
      pairs.map((p) => p.f),
      c.batch,
    ),
    speedup: median(pairs.map((p) => p.m.wallMs / p.f.wallMs)),
    cpuSpeedup: median(pairs.map((p) => p.m.cpuMs / p.f.cpuMs)),
  };
}

const PROFILED_FORWARDS = 2;
const PROFILE_ROWS = 8;

async function kernelTimes(model: Model, x: tf.Tensor4D): Promise<KernelShare[]> {
  const forward = (): void => {
    const y = model.predict(x);
    y.dataSync();
    y.dispose();
  };
  return (await leastKernelTimes(forward, PROFILED_FORWARDS)).slice(0, PROFILE_ROWS);
}

async function logits(model: Model, x: tf.Tensor4D): Promise<Float32Array> {
  const y = model.predict(x);
  try {
    return await y.data<'float32'>();
  } finally {
    y.dispose();
  }
}

async function runCase(c: Case): Promise<CaseResult> {
  const trainSd = initStateDict(c.arch, 0);
  const multi = TrainModel.fromStateDict(c.arch, trainSd);
  const fused = DeployModel.fromStateDict(c.arch, reparameterize(c.arch, trainSd));
  const x = tf.randomNormal<tf.Rank.R4>(
    [c.batch, c.resolution, c.resolution, 3],
    0,
    1,
    'float32',
    1,
  );
  try {
    const diff = compareLogits(await logits(multi, x), await logits(fused, x));
    const t = await timeBoth(multi, fused, x, c);
    return {
      model: c.label,
      resolution: c.resolution,
      batch: c.batch,
      iterations: c.iterations,
      multiBranch: t.multi,
      fused: t.fused,
      speedup: t.speedup,
      cpuSpeedup: t.cpuSpeedup,
      kernels: { multiBranch: await kernelTimes(multi, x), fused: await kernelTimes(fused, x) },
      maxAbsDiff: diff.maxAbsDiff,
    };
  } finally {
    x.dispose();
    multi.dispose();
    fused.dispose();
  }
}

interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  /** 1-minute load average when the benchmark started: the machine may be shared. */
  readonly loadAverage: number;
}

const kernelCells = (ks: readonly KernelShare[]): string =>
  ks.map((k) => `${k.kernel} ${k.ms.toFixed(1)} ms (${k.calls})`).join(', ');

function markdown(backend: string, machine: Machine, results: readonly CaseResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${r.resolution}² | ${r.batch} | ${r.iterations} | ${r.multiBranch.imgPerSec.toFixed(1)} | ${r.fused.imgPerSec.toFixed(1)} | ${r.speedup.toFixed(2)}× | ${r.multiBranch.cpuMsPerBatch.toFixed(1)} | ${r.fused.cpuMsPerBatch.toFixed(1)} | ${r.cpuSpeedup.toFixed(2)}× | ${r.maxAbsDiff.toExponential(1)} |`,
  );
  const profiles = results.flatMap((r) => [
    `- ${r.model}, fused: ${kernelCells(r.kernels.fused)}`,
    `- ${r.model}, multi-branch: ${kernelCells(r.kernels.multiBranch)}`,
  ]);
  return [
    `Inference on the \`${backend}\` backend, the two models alternated batch by batch; ratios are medians of the per-pair ratios; ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadAverage.toFixed(2)} at the start.`,
    '',
    '| model | input | batch | pairs | multi-branch img/s | fused img/s | fused / multi-branch (wall) | multi-branch CPU ms | fused CPU ms | fused / multi-branch (CPU) | max abs diff |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Per kernel (least ms over ${PROFILED_FORWARDS} profiled forwards, calls):`,
    '',
    ...profiles,
    '',
  ].join('\n');
}

function torchMarkdown(torch: TorchRatio[] | { readonly skipped: string }): string {
  if (!Array.isArray(torch)) return `\nPyTorch yardstick skipped: ${torch.skipped}.\n`;
  const rows = torch.map(
    (t) =>
      `| ${t.torch} | ${t.threads} | ${t.pairs} | ${t.loadAverage.toFixed(1)} | ${t.multiBranchMs.toFixed(0)} | ${t.fusedMs.toFixed(0)} | ${t.speedupWall.toFixed(2)}× | ${t.speedupCpu.toFixed(2)}× |`,
  );
  return [
    '',
    'PyTorch, RepVGG-A0 the same way (bench/peer/inference_ratio_peer.py, NCHW, eval mode):',
    '',
    '| torch | threads | pairs | load | multi-branch ms | fused ms | fused / multi-branch (wall) | (CPU) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const VALUE_FLAGS = ['--iterations', '--python'];

const flagValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

/**
 * `[case…] [--iterations N]`: a case matches when its name (without `RepVGG-`) starts with the
 * word, any case; no word selects every case.
 */
function selectCases(args: readonly string[]): Case[] {
  const flagged = new Set(
    VALUE_FLAGS.map((f) => args.indexOf(f))
      .filter((j) => j >= 0)
      .flatMap((j) => [j, j + 1]),
  );
  const iterations = flagValue('--iterations');
  const n = iterations === undefined ? undefined : Number(iterations);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) {
    throw new Error('--iterations takes a positive integer, e.g. --iterations 5');
  }
  const words = args.filter((_, j) => !flagged.has(j)).map((a) => a.toLowerCase());
  const chosen = CASES.filter(
    (c) =>
      words.length === 0 ||
      words.some((w) => c.label.toLowerCase().replace('repvgg-', '').startsWith(w)),
  );
  if (chosen.length === 0) {
    throw new Error(`no model case matches ${words.join(', ')}; use a0 or mini, or none for both`);
  }
  return chosen.map((c) => (n === undefined ? c : { ...c, iterations: n }));
}

async function main(): Promise<void> {
  const cases = selectCases(process.argv.slice(2));
  const backend = await initBackend();
  const machine: Machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: loadavg()[0] ?? 0,
  };
  const results: CaseResult[] = [];
  for (const c of cases) {
    process.stderr.write(`bench model: ${c.label} at ${c.resolution}², batch ${c.batch} …\n`);
    results.push(await runCase(c));
  }
  const a0 = cases.find((c) => c.label === 'RepVGG-A0');
  const torch =
    a0 === undefined
      ? { skipped: 'A0 not selected' }
      : torchRatios(flagValue('--python') ?? '/usr/bin/python3', [1, 2], {
          batch: a0.batch,
          resolution: a0.resolution,
          pairs: a0.iterations,
        });
  const report = {
    benchmark: 'model',
    date: new Date().toISOString(),
    backend,
    node: process.version,
    machine,
    results,
    torch,
  };
  const md = markdown(backend.name, machine, results) + torchMarkdown(torch);
  publishBenchResults('model', report, md);
}

runBench('model', main);
