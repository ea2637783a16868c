import { archFileArg } from './arch-file-arg';
import { publishBenchResults, runBench } from './bench-output';
import { expandArch } from '@repvgg/core/arch/arch-spec';
import { resolveArch } from '@repvgg/core/arch/resolve-arch';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { FASHION_MNIST_PRESET } from '@repvgg/training/presets/fashion-mnist.preset';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import { partCount, planBuckets } from '@repvgg/training/step/bucket-plan';
import { computeReplicaGradients } from '@repvgg/training/step/compute-gradients';
import { packetFromParts } from '@repvgg/training/step/packet-parts';
import { streamReplicaGradients } from '@repvgg/training/step/stream-gradients';
import type { GradientPacket } from '@repvgg/training/step/gradient-packet';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- step [--steps N] [--warmup W] [--profile] [--streamed] [--arch-file F]
 * [--image-size S] [--batch B] [backend]`:
 * one replica's share of a `repvgg train --dataset fashion-mnist` step (64 images at 28², forward +
 * backward + every gradient and BN statistic read back, `computeReplicaGradients`), on this thread,
 * with no optimizer and no data loading. Prints every step's time, their median, and a digest of the
 * packet's bits so two builds can be compared for bit-identical gradients (the digest must not change
 * between runs). `--arch-file` profiles another architecture (the `repvgg train --arch-file` JSON) in
 * the preset's step; `--image-size` and `--batch` change its input side and images per replica (e.g.
 * RepVGG-A0 at 224², 4 images).
 */

const P = FASHION_MNIST_PRESET;
const PER_REPLICA = P.globalBatch / P.replicas;

/** A whole-number flag of at least `min` (the step counts may be 0, sizes not). */
function flag(name: string, fallback: number, min = 0): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < min) {
    const what = min > 0 ? 'a whole number ≥ 1' : 'a whole number';
    throw new Error(`${name} takes ${what}, e.g. ${name} ${String(fallback)}`);
  }
  return value;
}

function syntheticBatch(seed: number, numClasses: number, side: number, n: number): ReplicaBatch {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return {
    images: Float32Array.from({ length: n * side * side * 3 }, rnd),
    shape: [n, side, side, 3],
    labels: Int32Array.from({ length: n }, (_, i) => i % numClasses),
  };
}

/** FNV-1a over the bits of every float of the packet, in its map order. */
function packetDigest(p: GradientPacket): string {
  let h = 0x811c9dc5;
  for (const m of [p.grads, p.bnMean, p.bnVar]) {
    for (const v of m.values()) {
      for (const word of new Uint32Array(v.buffer, v.byteOffset, v.length)) {
        h = Math.imul(h ^ word, 0x01000193) >>> 0;
      }
    }
  }
  return h.toString(16).padStart(8, '0');
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const backend = process.argv
    .slice(2)
    .find((a, i, all) => !a.startsWith('--') && Number.isNaN(+a) && all[i - 1] !== '--arch-file');
  const side = flag('--image-size', P.imageSize, 1);
  const perReplica = flag('--batch', PER_REPLICA, 1);
  const archFile = archFileArg();
  const ARCH =
    archFile === undefined ? expandArch(P.arch) : resolveArch({ archFile }, { numClasses: 10 });
  const warmup = flag('--warmup', 5);
  const steps = flag('--steps', 40);
  const load = loadavg()[0] ?? 0;
  await initBackend(backend ?? 'wasm');
  const model = TrainModel.fromStateDict(ARCH, initStateDict(ARCH, 0));
  const geometry = {
    globalBatch: perReplica * P.replicas,
    labelSmoothing: P.labelSmoothing,
    bnSpatial: bnSpatialSizes(ARCH, side, side),
  };
  const batch = syntheticBatch(1, ARCH.head.numClasses, side, perReplica);
  const digests = new Set<string>();
  // --streamed: the packet in parts as a worker's lanes compute it with the overlap
  // (streamReplicaGradients, a gradient tap per parameter), put back in variable order
  const streamed = process.argv.includes('--streamed');
  const reference = computeReplicaGradients(model, batch, geometry);
  const plan = planBuckets(
    [...reference.grads].map(([k, v]) => [k, v.length] as const),
    [...reference.bnMean].map(([k, v]) => [k, v.length] as const),
  );
  const streamedPacket = (): GradientPacket => {
    const parts = new Array<Float32Array>(partCount(plan));
    streamReplicaGradients(model, batch, geometry, plan, (part, data) => {
      parts[part] = data;
    });
    const p = packetFromParts(plan, parts);
    return {
      ...p,
      grads: new Map(
        [...reference.grads.keys()].map((k) => [k, p.grads.get(k) ?? new Float32Array()]),
      ),
    };
  };
  const step = (): void => {
    digests.add(
      packetDigest(streamed ? streamedPacket() : computeReplicaGradients(model, batch, geometry)),
    );
  };
  for (let i = 0; i < warmup; i++) step();
  // Wall time, and this process's CPU time: on a shared machine the second is what a step costs
  // (the first also counts the time other jobs held the core).
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    step();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  const kernels: { kernel: string; ms: number; calls: number }[] = [];
  if (process.argv.includes('--profile')) {
    const info = await tf.profile(step);
    const byName = new Map<string, { kernel: string; ms: number; calls: number }>();
    for (const k of info.kernels) {
      const row = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
      row.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      row.calls += 1;
      byName.set(k.name, row);
    }
    kernels.push(...[...byName.values()].sort((a, b) => b.ms - a.ms));
  }
  model.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = median(times);
  const medianCpuMs = median(cpuTimes);
  const report = {
    benchmark: 'step',
    date: new Date().toISOString(),
    node: process.version,
    backend: tf.getBackend(),
    loadAverage: load,
    images: perReplica,
    imageSize: side,
    warmup,
    steps,
    medianMs,
    bestMs: sorted[0] ?? Number.NaN,
    medianImgPerSec: (perReplica * 1000) / medianMs,
    medianCpuMs,
    digests: [...digests],
    times,
    cpuTimes,
    kernels,
  };
  const md = [
    `One replica of the fashion-mnist preset step${archFile === undefined ? '' : ` with ${ARCH.spec.name}`} (${String(perReplica)} images at ${String(side)}², forward + backward + read-back${streamed ? ', streamed in parts through gradient taps' : ''}), ${tf.getBackend()}, one thread; ${String(cpus().length)} × ${cpus()[0]?.model ?? 'unknown'}, load average ${load.toFixed(2)} at the start.`,
    '',
    `median ${medianMs.toFixed(1)} ms/step (best ${report.bestMs.toFixed(1)}), CPU ${medianCpuMs.toFixed(1)} ms/step, over ${String(steps)} steps; packet digest ${[...digests].join(', ')}`,
    ...(kernels.length === 0
      ? []
      : [
          '',
          '| kernel | ms | calls |',
          '|---|---|---|',
          ...kernels.map((k) => `| ${k.kernel} | ${k.ms.toFixed(2)} | ${String(k.calls)} |`),
        ]),
    '',
  ].join('\n');
  if (digests.size !== 1) {
    throw new Error(
      `the same step gave ${String(digests.size)} different packets: not bit-reproducible`,
    );
  }
  publishBenchResults('step', report, md);
}

runBench('step', main);
