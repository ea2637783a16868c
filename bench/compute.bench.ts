import { publishBenchResults, runBench } from './bench-output';
import { leastKernelTimes, type KernelShare } from './kernel-profile';
import { MINI_ARCH } from './mini-arch';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- compute [backend…]`: forward + backward img/s of the training graph alone
 * (no optimizer, no data loading, one thread) for the mini RepVGG at 32², batch 32, and where the
 * step's time goes per kernel (`tf.profile`). Default backends: wasm and cpu.
 */

const MINI = MINI_ARCH;
const BATCH = 32;
const RESOLUTION = 32;

interface BackendResult {
  readonly backend: string;
  readonly steps: number;
  readonly bestMs: number;
  readonly medianMs: number;
  readonly bestImgPerSec: number;
  readonly medianImgPerSec: number;
  /** Per kernel, the least time over the profiled steps (the machine may be shared). */
  readonly kernels: KernelShare[];
}

async function runBackend(name: string): Promise<BackendResult> {
  await initBackend(name);
  const model = TrainModel.fromStateDict(MINI, initStateDict(MINI, 1));
  const vars = [...model.trainableVariables().values()];
  const x = tf.randomUniform<tf.Rank.R4>([BATCH, RESOLUTION, RESOLUTION, 3], -1, 1, 'float32', 1);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const step = (): void => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forwardTrain(x).logits),
      vars,
    );
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  // The cpu backend's own filter gradient takes seconds per step: a few steps say enough.
  const [warmup, steps, profiled] = name === 'cpu' ? [1, 3, 1] : [5, 60, 10];
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const kernels = await leastKernelTimes(step, profiled);
  tf.dispose([x, labels]);
  model.dispose();
  const bestMs = times[0] ?? Number.NaN;
  const medianMs = times[Math.floor(times.length / 2)] ?? Number.NaN;
  return {
    backend: name,
    steps,
    bestMs,
    medianMs,
    bestImgPerSec: (BATCH * 1000) / bestMs,
    medianImgPerSec: (BATCH * 1000) / medianMs,
    kernels: kernels.slice(0, 10),
  };
}

function markdown(results: readonly BackendResult[], load: number): string {
  const lines = [
    `Forward + backward of ${MINI.spec.name} at ${String(RESOLUTION)}², batch ${String(BATCH)}, one thread; ${String(cpus().length)} × ${cpus()[0]?.model ?? 'unknown'}, load average ${load.toFixed(2)} at the start.`,
    '',
    '| backend | best ms/step | median ms/step | best img/s | median img/s |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.backend} | ${r.bestMs.toFixed(1)} | ${r.medianMs.toFixed(1)} | ${r.bestImgPerSec.toFixed(0)} | ${r.medianImgPerSec.toFixed(0)} |`,
    ),
  ];
  for (const r of results) {
    lines.push('', `Kernels on ${r.backend} (least ms per step over the profiled steps):`, '');
    lines.push('| kernel | ms | calls |', '|---|---|---|');
    for (const k of r.kernels)
      lines.push(`| ${k.kernel} | ${k.ms.toFixed(2)} | ${String(k.calls)} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const load = loadavg()[0] ?? 0;
  const results: BackendResult[] = [];
  for (const name of requested.length > 0 ? requested : ['wasm', 'cpu']) {
    process.stderr.write(`bench compute: ${name} …\n`);
    results.push(await runBackend(name));
  }
  const report = {
    benchmark: 'compute',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage: load,
    results,
  };
  const md = markdown(results, load);
  publishBenchResults('compute', report, md);
}

runBench('compute', main);
