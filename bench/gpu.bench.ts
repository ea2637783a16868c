import { publishBenchResults, runBench } from './bench-output';
import { MINI_ARCH } from './mini-arch';
import { initBackend } from '@repvgg/core/compute/backend';
import { tf } from '@repvgg/core/compute/tf';
import { TrainModel } from '@repvgg/core/graph/train-model';
import { initStateDict } from '@repvgg/core/weights/init';
import { planLanes } from '@repvgg/training/parallel/lane-plan';
import { ProcessReplicaPool } from '@repvgg/training/parallel/process-replica.pool';
import type { ReplicaLanePool } from '@repvgg/training/parallel/replica-lane.pool';
import { ThreadReplicaPool } from '@repvgg/training/parallel/thread-replica.pool';
import { bnSpatialSizes } from '@repvgg/training/step/bn-sample-counts';
import type { GradientPacket } from '@repvgg/training/step/gradient-packet';
import type { ReplicaBatch } from '@repvgg/training/step/replica-model';
import { LocalReplicaPool } from '@repvgg/training/trainer/local-replica.pool';
import { loadavg } from 'node:os';

/**
 * `npm run bench -- gpu [backend]` (default tensorflow; scripts/gpu-check.sh runs it): which device
 * the backend computes on, whether its worker-thread lanes load (tfjs-node's do not), and a training
 * step of the mini model on this thread vs on the lanes a worker would use (planLanes): time, and
 * the largest gradient difference (a GPU's kernels need not be deterministic, so not bit for bit).
 */

const ARCH = MINI_ARCH;
const SIZE = 32;
const PER_REPLICA = 64;
const REPLICAS = 2;
const STEPS = 10;

function replicas(seed: number): ReplicaBatch[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: REPLICAS }, () => ({
    images: Float32Array.from({ length: PER_REPLICA * SIZE * SIZE * 3 }, () => rnd() - 0.5),
    shape: [PER_REPLICA, SIZE, SIZE, 3] as const,
    labels: Int32Array.from({ length: PER_REPLICA }, () => Math.floor(rnd() * 10)),
  }));
}

/** Largest |a−b| / max|a| over every gradient. */
function maxRelativeDiff(a: GradientPacket, b: GradientPacket): number {
  let worst = 0;
  for (const [key, va] of a.grads) {
    const vb = b.grads.get(key);
    if (vb === undefined) return Number.POSITIVE_INFINITY;
    const scale = Math.max(1e-12, ...Array.from(va, Math.abs));
    va.forEach((x, i) => {
      worst = Math.max(worst, Math.abs(x - (vb[i] ?? Number.NaN)) / scale);
    });
  }
  return worst;
}

async function timed(
  pool: { compute: LocalReplicaPool['compute'] },
  params: ReadonlyMap<string, Float32Array>,
): Promise<{ packet: GradientPacket; medianMs: number }> {
  const packet = await pool.compute(params, replicas(1));
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    await pool.compute(params, replicas(2 + i));
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return { packet, medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN };
}

async function main(): Promise<void> {
  const backend = await initBackend(process.argv[2] ?? 'tensorflow');
  // NodeJSKernelBackend (tfjs-node) says whether libtensorflow found a GPU; other backends do not
  const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice ?? null;
  const weights = initStateDict(ARCH, 0);
  const geometry = {
    globalBatch: PER_REPLICA * REPLICAS,
    labelSmoothing: 0.1,
    bnSpatial: bnSpatialSizes(ARCH, SIZE, SIZE),
  };
  const init = { arch: ARCH, weights, ...geometry, backend: backend.name };
  const params = new Map(
    [...weights].flatMap(([k, t]) => (t.dtype === 'float32' ? [[k, t.data]] : [])),
  );
  let threadLanes: string;
  try {
    await (await ThreadReplicaPool.start(1, init)).close();
    threadLanes = 'load';
  } catch (e) {
    threadLanes = `refused: ${e instanceof Error ? e.message : String(e)}`;
  }
  const model = TrainModel.fromStateDict(ARCH, weights);
  const main = await timed(new LocalReplicaPool(model, geometry), params);
  const plan = planLanes(backend.name, { threads: 1, keepEventLoopFree: true });
  const pool: ReplicaLanePool =
    plan.kind === 'processes'
      ? await ProcessReplicaPool.start(plan.lanes, init)
      : await ThreadReplicaPool.start(plan.lanes, init);
  const lanes = await timed(pool, params);
  await pool.close();
  model.dispose();
  const report = {
    benchmark: 'gpu',
    date: new Date().toISOString(),
    backend,
    usingGpuDevice: gpu,
    cudaVisibleDevices: process.env.CUDA_VISIBLE_DEVICES ?? null,
    threadLanes,
    workerLanes: plan,
    batch: `${REPLICAS} replicas × ${PER_REPLICA} at ${SIZE}²`,
    mainThreadMedianMs: main.medianMs,
    workerLanesMedianMs: lanes.medianMs,
    maxRelativeGradientDiff: maxRelativeDiff(main.packet, lanes.packet),
    loadAverage: loadavg(),
  };
  const md = [
    `# GPU lane check: ${backend.name} (${backend.package})`,
    '',
    `- computes on a GPU: ${gpu === null ? 'not reported by this backend' : String(gpu)} (CUDA_VISIBLE_DEVICES=${report.cudaVisibleDevices ?? 'unset'})`,
    `- worker-thread lanes: ${threadLanes}`,
    `- a worker's lanes (planLanes): ${plan.lanes} × ${plan.kind}`,
    `- one step of the mini model, ${report.batch}, median of ${STEPS}: ${main.medianMs.toFixed(1)} ms on the main thread, ${lanes.medianMs.toFixed(1)} ms on the worker's lanes`,
    `- largest gradient difference between the two (relative to each tensor's largest): ${report.maxRelativeGradientDiff.toExponential(2)}`,
    `- load average (1/5/15 min): ${report.loadAverage.map((l) => l.toFixed(2)).join(' / ')}`,
    '',
  ].join('\n');
  publishBenchResults('gpu', report, md);
}

runBench('gpu', main);
