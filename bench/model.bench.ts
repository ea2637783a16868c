import { publishBenchResults, runBench } from './bench-output';
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
 * `npm run bench -- model`: inference throughput of the multi-branch training graph (BN in
 * inference mode) against the fused single-branch model on the active backend.
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
}

interface CaseResult {
  readonly model: string;
  readonly resolution: number;
  readonly batch: number;
  readonly iterations: number;
  readonly multiBranch: Timing;
  readonly fused: Timing;
  /** fused img/s ÷ multi-branch img/s. */
  readonly speedup: number;
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

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function batchMs(model: Model, x: tf.Tensor4D): Promise<number> {
  const t0 = performance.now();
  const y = model.predict(x);
  await y.data();
  y.dispose();
  return performance.now() - t0;
}

const timing = (ms: readonly number[], batch: number): Timing => {
  const msPerBatch = median(ms);
  return { msPerBatch, imgPerSec: (batch * 1000) / msPerBatch };
};

/**
 * Median wall time of one batch (synchronized by reading the logits back). The two models run
 * alternately so that load from other processes on a shared machine hits both alike.
 */
async function timeBoth(
  multi: Model,
  fused: Model,
  x: tf.Tensor4D,
  c: Case,
): Promise<[Timing, Timing]> {
  const multiMs: number[] = [];
  const fusedMs: number[] = [];
  for (let i = 0; i < c.warmup + c.iterations; i++) {
    const m = await batchMs(multi, x);
    const f = await batchMs(fused, x);
    if (i >= c.warmup) {
      multiMs.push(m);
      fusedMs.push(f);
    }
  }
  return [timing(multiMs, c.batch), timing(fusedMs, c.batch)];
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
    const [multiBranch, fusedTiming] = await timeBoth(multi, fused, x, c);
    return {
      model: c.label,
      resolution: c.resolution,
      batch: c.batch,
      iterations: c.iterations,
      multiBranch,
      fused: fusedTiming,
      speedup: fusedTiming.imgPerSec / multiBranch.imgPerSec,
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

function markdown(backend: string, machine: Machine, results: readonly CaseResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${r.resolution}² | ${r.batch} | ${r.multiBranch.imgPerSec.toFixed(1)} | ${r.fused.imgPerSec.toFixed(1)} | ${r.speedup.toFixed(2)}× | ${r.maxAbsDiff.toExponential(1)} |`,
  );
  return [
    `Inference throughput on the \`${backend}\` backend, median of the timed batches; ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadAverage.toFixed(2)} at the start.`,
    '',
    '| model | input | batch | multi-branch img/s | fused img/s | fused / multi-branch | max abs diff |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const machine: Machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: loadavg()[0] ?? 0,
  };
  const results: CaseResult[] = [];
  for (const c of CASES) {
    process.stderr.write(`bench model: ${c.label} at ${c.resolution}², batch ${c.batch} …\n`);
    results.push(await runCase(c));
  }
  const report = {
    benchmark: 'model',
    date: new Date().toISOString(),
    backend,
    node: process.version,
    machine,
    results,
  };
  const md = markdown(backend.name, machine, results);
  publishBenchResults('model', report, md);
}

runBench('model', main);
