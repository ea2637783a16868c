import { publishBenchResults, runBench } from './bench-output';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- conv-grads [--calls N]`: the wasm convolution gradients alone, on the shapes of
 * one replica of a `repvgg train --dataset fashion-mnist` step (64 images at 28²): for each block's
 * 3×3 and 1×1 convolution, the process CPU time per `Conv2DBackpropFilter` and per
 * `Conv2DBackpropInput` call (median of N timed calls after 3 warm-up calls). The first layer's input
 * gradient is timed too, though a step never needs it.
 */

const P = FASHION_MNIST_PRESET;
const ARCH = expandArch(P.arch);
const BATCH = P.globalBatch / P.replicas;

interface Layer {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly stride: 1 | 2;
  readonly pad: 0 | 1;
}

/** RepVGG's 3×3 convolutions pad 1 on every side ('same' would pad 0/1 at stride 2). */
function padding(l: Layer): 'valid' | [[0, 0], [1, 1], [1, 1], [0, 0]] {
  return l.pad === 1
    ? [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]
    : 'valid';
}

function presetLayers(): Layer[] {
  const layers: Layer[] = [];
  let side = P.imageSize;
  for (const b of ARCH.blocks) {
    const x: Layer['x'] = [BATCH, side, side, b.inChannels];
    for (const k of [3, 1] as const) {
      layers.push({
        name: `${b.prefix} ${String(k)}×${String(k)}`,
        x,
        filter: [k, k, b.inChannels, b.outChannels],
        stride: b.stride,
        pad: k === 3 ? 1 : 0,
      });
    }
    side = Math.floor((side + 2 - 3) / b.stride) + 1;
  }
  return layers;
}

function cpuMsPerCall(run: () => void, calls: number): number {
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const c0 = process.cpuUsage();
    run();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--calls');
  const calls = i < 0 ? 30 : Number(process.argv[i + 1]);
  if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls takes a whole number ≥ 1');
  const load = loadavg()[0] ?? 0;
  await initBackend('wasm');
  const rows = presetLayers().map((l) => {
    const x = tf.randomNormal(l.x, 0, 1, 'float32', 1);
    const w = tf.randomNormal(l.filter, 0, 1, 'float32', 2);
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, l.stride, padding(l));
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
    const attrs = { strides: l.stride, pad: padding(l), dataFormat: 'NHWC' };
    const call = (kernel: string, inputs: tf.NamedTensorMap, extra: object) => (): void => {
      tf.engine()
        .runKernel<tf.Tensor>(kernel, inputs, { ...attrs, ...extra })
        .dispose();
    };
    const filterMs = cpuMsPerCall(
      call('Conv2DBackpropFilter', { x, dy }, { filterShape: l.filter }),
      calls,
    );
    const inputMs = cpuMsPerCall(
      call('Conv2DBackpropInput', { dy, filter: w }, { inputShape: l.x }),
      calls,
    );
    tf.dispose([x, w, y, dy]);
    return { ...l, filterMs, inputMs };
  });
  const total = (key: 'filterMs' | 'inputMs', from = 0): number =>
    rows.slice(from).reduce((s, r) => s + r[key], 0);
  const report = {
    benchmark: 'conv-grads',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage: load,
    calls,
    layers: rows,
    filterMsPerStep: total('filterMs'),
    inputMsPerStep: total('inputMs', 2),
  };
  const md = [
    `The wasm convolution gradients on the fashion-mnist preset's layers (batch ${String(BATCH)}), median CPU ms per call over ${String(calls)} calls; ${String(cpus().length)} × ${cpus()[0]?.model ?? 'unknown'}, load average ${load.toFixed(2)} at the start.`,
    '',
    '| layer | x | filter | stride | filter gradient ms | input gradient ms |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.x.join('×')} | ${r.filter.join('×')} | ${String(r.stride)} | ${r.filterMs.toFixed(3)} | ${r.inputMs.toFixed(3)} |`,
    ),
    '',
    `A step's ${String(rows.length)} filter gradients: ${report.filterMsPerStep.toFixed(2)} ms; its ${String(rows.length - 2)} input gradients (all but stage0's): ${report.inputMsPerStep.toFixed(2)} ms.`,
    '',
  ].join('\n');
  publishBenchResults('conv-grads', report, md);
}

runBench('conv-grads', main);
