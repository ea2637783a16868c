import { publishBenchResults, runBench } from './bench-output';
import {
  installDawnGpu,
  probeInstalled,
  probeRequire,
  PROBE_DIR,
  type AdapterOutcome,
} from './webgpu-probe/dawn-gpu';
import { MINI_ARCH } from './mini-arch';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { computeReplicaGradients } from '@repvgg/training/step/compute-gradients';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * `npm run bench -- webgpu` (after `npm install --prefix bench/webgpu-probe`): does
 * tfjs-backend-webgpu, through Dawn's `webgpu` package, train the mini RepVGG under Node? The
 * gradients of one step and eight momentum-SGD steps on one batch against wasm from the same weights and
 * batches, the forward + backward time of both, whether the repository's own replica step runs on
 * it, and whether it loads in a worker thread (the compute lanes). A dev-time probe only.
 */

const ARCH = MINI_ARCH;
const SIZE = 32;
const BATCH = 32;
const TIMED_STEPS = 10;
const SGD_STEPS = 8;
/** The bound train-model.spec holds wasm to against cpu: max|Δ| / max|g| per tensor. */
const TOLERANCE = 5e-5;

type Weights = Map<string, Float32Array>;

/** Deterministic inputs without a generator, the same on every backend. */
function fixedBatch(): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const pixels = BATCH * SIZE * SIZE * 3;
  const images = Float32Array.from({ length: pixels }, (_, i) => Math.sin(i * 0.37));
  const classes = Array.from({ length: BATCH }, (_, i) => (i * 7) % 10);
  return {
    x: tf.tensor4d(images, [BATCH, SIZE, SIZE, 3]),
    labels: tf.oneHot(tf.tensor1d(classes, 'int32'), 10) as tf.Tensor2D,
  };
}

/** max|a − b| / max|a| over the worst tensor. */
function worstRelative(a: Weights, b: Weights): { rel: number; key: string } {
  let worst = { rel: 0, key: '' };
  for (const [key, x] of a) {
    const y = b.get(key);
    if (y === undefined) throw new Error(`no ${key} on the second backend`);
    let diff = 0;
    let scale = 0;
    x.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - (y[i] ?? Number.NaN)));
      scale = Math.max(scale, Math.abs(v));
    });
    if (!(diff / scale <= worst.rel)) worst = { rel: diff / scale, key };
  }
  return worst;
}

/** Every read is asynchronous: webgpu's dataSync needs OffscreenCanvas, which Node lacks. */
async function gradients(
  model: TrainModel,
  x: tf.Tensor4D,
  labels: tf.Tensor2D,
): Promise<{ loss: number; grads: Weights }> {
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(labels, model.forwardTrain(x).logits),
    [...vars.values()],
  );
  try {
    const out: Weights = new Map();
    for (const [key, v] of vars) {
      const g = grads[v.name] as tf.Tensor | undefined;
      if (g === undefined) throw new Error(`no gradient for ${key}`);
      out.set(key, (await g.data()) as Float32Array);
    }
    return { loss: (await value.data())[0], grads: out };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

/**
 * Momentum SGD on one batch, a stable descent. On a fresh batch per step at lr 0.05 (loss rising)
 * the two runs parted after step 4, but there a 1e-6 change of the weights alone moves wasm's own
 * gradient by 3e-2, while from equal weights the backends agree within 2e-6:
 * such a run measures the loss surface, not the backend.
 */
async function sgdRun(
  model: TrainModel,
  x: tf.Tensor4D,
  labels: tf.Tensor2D,
): Promise<{ losses: number[]; weights: Weights }> {
  const vars = model.trainableVariables();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const losses: number[] = [];
  for (let k = 1; k <= SGD_STEPS; k++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.forwardTrain(x).logits),
      true,
      [...vars.values()],
    );
    if (loss === null) throw new Error('optimizer.minimize returned no loss');
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  optimizer.dispose();
  const weights: Weights = new Map();
  for (const [key, v] of vars) weights.set(key, (await v.data()) as Float32Array);
  return { losses, weights };
}

interface Timing {
  readonly firstStepMs: number;
  readonly bestMs: number;
  readonly medianMs: number;
}

async function runOn(backend: string) {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend)
    throw new Error(`tf.setBackend('${backend}') left "${tf.getBackend()}" active`);
  const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 1));
  const { x, labels } = fixedBatch();
  try {
    const t0 = performance.now();
    const first = await gradients(model, x, labels);
    const firstStepMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < TIMED_STEPS; i++) {
      const t = performance.now();
      await gradients(model, x, labels);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const timing: Timing = {
      firstStepMs,
      bestMs: times[0] ?? Number.NaN,
      medianMs: times[TIMED_STEPS >> 1] ?? Number.NaN,
    };
    return { ...first, timing, sgd: await sgdRun(model, x, labels) };
  } finally {
    tf.dispose([x, labels]);
    model.dispose();
  }
}

/** The repository's replica step (synchronous reads) on the active backend: "ok" or its error. */
function repoStep(): string {
  const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 1));
  const geometry = {
    globalBatch: 4,
    labelSmoothing: 0,
    bnSpatial: bnSpatialSizes(ARCH, SIZE, SIZE),
  };
  const batch = {
    images: Float32Array.from({ length: 4 * SIZE * SIZE * 3 }, (_, i) => Math.cos(i)),
    shape: [4, SIZE, SIZE, 3] as const,
    labels: Int32Array.of(1, 2, 3, 4),
  };
  try {
    computeReplicaGradients(model, batch, geometry);
    return 'ok';
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } finally {
    model.dispose();
  }
}

/** Loads Dawn and the backend in a worker thread and multiplies there: "ok" or the error. */
function inWorkerThread(): Promise<string> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    (async () => {
      const probe = require(${JSON.stringify(join(__dirname, 'webgpu-probe', 'dawn-gpu.js'))});
      await probe.installDawnGpu();
      const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
      probe.probeRequire('@tensorflow/tfjs-backend-webgpu');
      await tf.setBackend('webgpu');
      const v = await tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).data();
      return tf.getBackend() === 'webgpu' && v[0] === 8 ? 'ok' : 'wrong: ' + tf.getBackend() + ' ' + v[0];
    })().then((m) => parentPort.postMessage(m), (e) => parentPort.postMessage(String(e)));`;
  return new Promise((done) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', (m: string) => {
      done(m);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      done(String(e));
    });
  });
}

function versionOf(pkg: string): string {
  const json = readFileSync(join(PROBE_DIR, 'node_modules', pkg, 'package.json'), 'utf8');
  return (JSON.parse(json) as { version: string }).version;
}

function markdown(r: {
  adapters: AdapterOutcome[];
  chosen: string;
  load: number;
  gradRel: number;
  sgdLosses: { webgpu: number[] };
  sgdLossRel: number;
  sgdWeightRel: number;
  wasm: Timing;
  webgpu: Timing;
  repoStep: string;
  workerThread: string;
}): string {
  const ms = (t: Timing): string =>
    `| ${t.firstStepMs.toFixed(0)} | ${t.bestMs.toFixed(1)} | ${t.medianMs.toFixed(1)} | ${((BATCH * 1000) / t.bestMs).toFixed(0)} |`;
  return `${[
    `Mini RepVGG at ${String(SIZE)}², batch ${String(BATCH)}, forward + backward with every gradient read back; load average ${r.load.toFixed(1)} at the start.`,
    '',
    ...r.adapters.map(
      (a) =>
        `- Dawn ${a.attempt}: ${a.adapter === null ? 'no adapter' : `${a.adapter.device} (${a.adapter.description})`}`,
    ),
    `- used: ${r.chosen}`,
    `- gradients, worst max|Δ|/max|g| vs wasm: ${r.gradRel.toExponential(2)}; after ${String(SGD_STEPS)} momentum-SGD steps (loss ${r.sgdLosses.webgpu.map((l) => l.toFixed(3)).join(' → ')} on webgpu): losses ${r.sgdLossRel.toExponential(2)}, weights ${r.sgdWeightRel.toExponential(2)} (bound ${TOLERANCE.toExponential(0)})`,
    `- the repository's replica step on webgpu: ${r.repoStep}`,
    `- webgpu in a worker thread: ${r.workerThread}`,
    '',
    '| backend | first step ms | best ms | median ms | best img/s |',
    '|---|---|---|---|---|',
    `| wasm ${ms(r.wasm)}`,
    `| webgpu ${ms(r.webgpu)}`,
  ].join('\n')}\n`;
}

async function main(): Promise<void> {
  if (!probeInstalled())
    throw new Error(
      'bench/webgpu-probe has no node_modules: run `npm install --prefix bench/webgpu-probe`',
    );
  const load = loadavg()[0] ?? 0;
  await initBackend('wasm', { log: () => undefined });
  const { outcomes, chosen } = await installDawnGpu();
  if (chosen === undefined)
    throw new Error(
      `Dawn offered no adapter (${JSON.stringify(outcomes)}); its reasons are on stderr`,
    );
  probeRequire('@tensorflow/tfjs-backend-webgpu');
  const wasm = await runOn('wasm');
  const webgpu = await runOn('webgpu');
  const grad = worstRelative(wasm.grads, webgpu.grads);
  const sgdWeights = worstRelative(wasm.sgd.weights, webgpu.sgd.weights);
  const sgdLossRel = Math.max(
    ...wasm.sgd.losses.map((l, i) => Math.abs(l - (webgpu.sgd.losses[i] ?? Number.NaN)) / l),
  );
  const report = {
    node: process.version,
    webgpuPackage: versionOf('webgpu'),
    tfjsBackendWebgpu: versionOf('@tensorflow/tfjs-backend-webgpu'),
    tfjsCore: tf.version_core,
    adapters: outcomes,
    chosen,
    load,
    batch: BATCH,
    size: SIZE,
    gradRel: grad.rel,
    gradWorstKey: grad.key,
    loss: { wasm: wasm.loss, webgpu: webgpu.loss },
    sgdLosses: { wasm: wasm.sgd.losses, webgpu: webgpu.sgd.losses },
    sgdLossRel,
    sgdWeightRel: sgdWeights.rel,
    sgdWorstKey: sgdWeights.key,
    wasm: wasm.timing,
    webgpu: webgpu.timing,
    repoStep: repoStep(),
    workerThread: await inWorkerThread(),
  };
  publishBenchResults('webgpu', report, markdown(report));
  const agrees = Math.max(grad.rel, sgdLossRel, sgdWeights.rel) <= TOLERANCE;
  if (!agrees)
    process.stderr.write(`bench webgpu: disagrees with wasm beyond ${String(TOLERANCE)}\n`);
  // Dawn's instance keeps the event loop alive.
  process.exit(agrees ? 0 : 1);
}

runBench('webgpu', main);
