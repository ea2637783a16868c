import { publishBenchResults, runBench } from './bench-output';
import type { Architecture } from '@repvgg/core/arch/arch-spec';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { parseArchSpecJson, resolveArch } from '@repvgg/core/arch/resolve-arch';
import { initBackend } from '@repvgg/core/compute/backend';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { BatchLoader } from '@repvgg/training/data/batch-loader';
import { openFashionMnist } from '@repvgg/training/data/idx.source';
import { SmallImageTransform } from '@repvgg/training/data/transforms/small-image.transform';
import { planLanes } from '@repvgg/training/parallel/lane-plan';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { PAPER_SGD } from '@repvgg/training/optim/sgd.optimizer';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import { applyGradients } from '@repvgg/training/step/apply-gradients';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { TrainState } from '@repvgg/training/step/train-state';
import { LoaderBatchSource } from '@repvgg/training/trainer/loader-batch-source';
import { LocalReplicaPool } from '@repvgg/training/trainer/local-replica.pool';
import type { ReplicaPool } from '@repvgg/training/trainer/replica-pool';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- train`: training throughput (forward + backward + SGD update, BN batch statistics
 * per replica) on the active backend, in-process and over 2 compute threads, and the share of step time
 * spent waiting for data in the embedded default (`repvgg train --dataset fashion-mnist`).
 */

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

interface Case {
  readonly label: string;
  readonly arch: Architecture;
  readonly resolution: number;
  readonly batch: number;
  readonly replicas: number;
  readonly threads: number;
  readonly warmup: number;
  readonly steps: number;
  /** PyTorch 1.13 CPU, 2 threads, same machine (issue 3). */
  readonly pytorch: number | null;
}

const MINI_CASE = {
  label: MINI.spec.name,
  arch: MINI,
  resolution: 32,
  batch: 32,
  warmup: 3,
  steps: 30,
  pytorch: 2800,
};
const PRESET_CASE = {
  label: 'fashion-mnist preset',
  arch: expandArch(FASHION_MNIST_PRESET.arch),
  resolution: FASHION_MNIST_PRESET.imageSize,
  batch: FASHION_MNIST_PRESET.globalBatch,
  replicas: FASHION_MNIST_PRESET.replicas,
  warmup: 3,
  steps: 20,
  pytorch: null,
};
const A0_CASE = {
  label: 'RepVGG-A0',
  arch: resolveArch({ arch: 'RepVGG-A0' }),
  resolution: 224,
  batch: 8,
  replicas: 2,
  warmup: 1,
  steps: 3,
  pytorch: 19,
};

/** Each model in-process (threads 0) and over 2 compute threads. */
const CASES: readonly Case[] = [
  { ...MINI_CASE, replicas: 1, threads: 0 },
  { ...MINI_CASE, replicas: 2, threads: 0 },
  { ...MINI_CASE, replicas: 2, threads: 2 },
  { ...PRESET_CASE, threads: 0 },
  { ...PRESET_CASE, threads: 2 },
  { ...A0_CASE, threads: 0 },
  { ...A0_CASE, threads: 2 },
];

interface CaseResult {
  readonly model: string;
  readonly resolution: number;
  readonly batch: number;
  readonly replicas: number;
  readonly threads: number;
  readonly steps: number;
  readonly imgPerSec: number;
  readonly msPerStep: number;
  readonly pytorchImgPerSec: number | null;
  readonly ratioToPytorch: number | null;
}

function syntheticStep(c: Case, seed: number): ReplicaBatch[] {
  const per = c.batch / c.replicas;
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return Array.from({ length: c.replicas }, () => ({
    images: Float32Array.from({ length: per * c.resolution * c.resolution * 3 }, rnd),
    shape: [per, c.resolution, c.resolution, 3] as const,
    labels: Int32Array.from({ length: per }, (_, i) => i % c.arch.head.numClasses),
  }));
}

interface BenchTrainer {
  readonly state: TrainState;
  readonly pool: ReplicaPool;
  readonly close: () => Promise<void>;
}

/** A freshly initialized model, its SGD state and the case's replica pool (this thread or `threads` threads). */
async function startTrainer(c: Case, backend: string): Promise<BenchTrainer> {
  const weights = initStateDict(c.arch, 0);
  const model = TrainModel.fromStateDict(c.arch, weights);
  const state = TrainState.create(model, weights, PAPER_SGD);
  const geometry = {
    globalBatch: c.batch,
    labelSmoothing: 0,
    bnSpatial: bnSpatialSizes(c.arch, c.resolution, c.resolution),
  };
  // tensorflow (tfjs-node) cannot load in a thread: its "threads" cases run on this one (planLanes)
  const lanes = planLanes(backend, { threads: c.threads, keepEventLoopFree: false });
  const pool =
    lanes.kind === 'threads'
      ? await ThreadReplicaPool.start(lanes.lanes, { arch: c.arch, weights, ...geometry, backend })
      : new LocalReplicaPool(model, geometry);
  return {
    state,
    pool,
    close: async () => {
      await pool.close();
      model.dispose();
    },
  };
}

async function runCase(c: Case, backend: string): Promise<CaseResult> {
  const { state, pool, close } = await startTrainer(c, backend);
  const batches = [syntheticStep(c, 1), syntheticStep(c, 2)];
  try {
    let t0 = 0;
    for (let i = 0; i < c.warmup + c.steps; i++) {
      if (i === c.warmup) t0 = performance.now();
      const packet = await pool.compute(state.params, batches[i % 2] ?? []);
      applyGradients(state, packet, { lr: 0.01 });
    }
    const msPerStep = (performance.now() - t0) / c.steps;
    const imgPerSec = (c.batch * 1000) / msPerStep;
    return {
      model: c.label,
      resolution: c.resolution,
      batch: c.batch,
      replicas: c.replicas,
      threads: c.threads,
      steps: c.steps,
      imgPerSec,
      msPerStep,
      pytorchImgPerSec: c.pytorch,
      ratioToPytorch: c.pytorch === null ? null : imgPerSec / c.pytorch,
    };
  } finally {
    await close();
  }
}

interface DataWaitResult {
  readonly preset: string;
  readonly steps: number;
  readonly imgPerSec: number;
  readonly dataWaitShare: number;
}

/** The embedded default's real pipeline (IDX decode, pad-crop, flip, normalize, prefetch) feeding training. */
async function dataWait(backend: string, steps: number): Promise<DataWaitResult | null> {
  const p = FASHION_MNIST_PRESET;
  let source;
  try {
    source = await openFashionMnist();
  } catch {
    process.stderr.write(
      'bench train: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist); skipping the data-wait case\n',
    );
    return null;
  }
  const arch = expandArch(p.arch);
  const transform = new SmallImageTransform({
    size: p.imageSize,
    channels: 3,
    stats: source.stats ?? { mean: [0.5], std: [0.25] },
    padding: p.padding,
    flipProbability: p.flipProbability,
    augment: true,
  });
  const loader = new BatchLoader({
    split: source.train,
    transform,
    seed: 0,
    globalBatch: p.globalBatch,
    replicas: p.replicas,
    prefetch: 2 * p.replicas,
  });
  const train = new LoaderBatchSource(loader, transform, p.replicas);
  const c: Case = {
    label: p.name,
    arch,
    resolution: p.imageSize,
    batch: p.globalBatch,
    replicas: p.replicas,
    threads: 2,
    warmup: 0,
    steps,
    pytorch: null,
  };
  const { state, pool, close } = await startTrainer(c, backend);
  try {
    const it = train.epoch(0, 0)[Symbol.asyncIterator]();
    await it.next();
    let wait = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const w0 = performance.now();
      const next = await it.next();
      wait += performance.now() - w0;
      if (next.done === true) break;
      applyGradients(state, await pool.compute(state.params, next.value), { lr: 0.01 });
    }
    const ms = performance.now() - t0;
    await it.return(undefined);
    return {
      preset: p.name,
      steps,
      imgPerSec: (steps * p.globalBatch * 1000) / ms,
      dataWaitShare: wait / ms,
    };
  } finally {
    await close();
  }
}

function markdown(
  backend: string,
  results: readonly CaseResult[],
  wait: DataWaitResult | null,
): string {
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${r.resolution}² | ${r.batch} | ${r.replicas} | ${r.threads === 0 ? 'main' : r.threads} | ${r.imgPerSec.toFixed(1)} | ${r.pytorchImgPerSec ?? '–'} | ${r.ratioToPytorch === null ? '–' : `${r.ratioToPytorch.toFixed(2)}×`} |`,
  );
  return [
    `Training throughput on the \`${backend}\` backend (forward + backward + SGD, mean over the timed steps).`,
    'PyTorch: 1.13 CPU with 2 threads on the same machine (issue 3); the wasm backend with a hand-made filter gradient reached about 455 (mini) and 1.7 (A0) img/s before this work.',
    '',
    '| model | input | batch | replicas | compute threads | img/s | PyTorch img/s | ratio |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    wait === null
      ? 'Data wait: not measured (Fashion-MNIST not installed).'
      : `Data wait in the embedded default (\`${wait.preset}\` preset, real loader, ${wait.steps} steps): ${(wait.dataWaitShare * 100).toFixed(1)}% of step time at ${wait.imgPerSec.toFixed(0)} img/s.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const results: CaseResult[] = [];
  for (const c of CASES) {
    process.stderr.write(
      `bench train: ${c.label} at ${c.resolution}², batch ${c.batch}, V=${c.replicas}, threads ${c.threads} …\n`,
    );
    results.push(await runCase(c, backend.name));
  }
  process.stderr.write('bench train: data wait of the fashion-mnist preset …\n');
  const wait = await dataWait(backend.name, 60);
  const report = {
    benchmark: 'train',
    date: new Date().toISOString(),
    backend,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0].model,
    /** 1/5/15-minute load averages at the end: other processes on the 2 cores skew every number. */
    loadAverage: loadavg(),
    results,
    dataWait: wait,
  };
  const md = `${markdown(backend.name, results, wait)}\nLoad average at the end (1/5/15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')}.\n`;
  publishBenchResults('train', report, md);
}

runBench('train', main);
