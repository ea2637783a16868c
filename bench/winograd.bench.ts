import { publishBenchResults, runBench } from './bench-output';
import { median } from './median';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import { initBackend } from '@repvgg/core/compute/backend';
import { winogradConv2d, winogradFilter } from '@repvgg/core/compute/ops/winograd-conv.op';
import { tf } from '@repvgg/core/compute/tf';
import { groupedConvBiasRelu, splitConvBiasGroups } from '@repvgg/core/graph/grouped-conv';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- winograd [--calls N] [--b1g4]`: the deploy graph's stride-1 3×3 layers of
 * RepVGG-A0 at 224², batch 8 (and with `--b1g4` RepVGG-B1g4's, batch 2, grouped ones included), as
 * XNNPACK's FusedConv2D (tfjs-backend-wasm; grouped layers split by group as the deploy graph did)
 * and as winograd.wat's F(2×2, 3×3), each with bias and ReLU and its filter prepared once. The two
 * alternate call by call; per layer the median process CPU ms per call over N calls each (after 2
 * warm-up calls each), and each model's total over its stride-1 layers (each shape counted as often
 * as the model has it).
 */

const BATCH = 8;
/** B1g4's layers are 4–7× A0's in multiplies: a smaller batch keeps the run short. */
const B1G4_BATCH = 2;

interface Shape {
  readonly model: string;
  readonly side: number;
  readonly cin: number;
  readonly cout: number;
  readonly groups: number;
  /** how many of the model's layers have it */
  count: number;
}

/** A model's stride-1 3×3 layer shapes at 224², each with how often it occurs. */
function stride1Shapes(model: string): Shape[] {
  const shapes = new Map<string, Shape>();
  let side = 224;
  for (const b of archForClasses(model, 1000).blocks) {
    if (b.stride === 2) side = Math.floor((side + 2 - 3) / 2) + 1;
    else {
      const { inChannels: cin, outChannels: cout, groups } = b;
      const key = [side, cin, cout, groups].join(':');
      const s = shapes.get(key) ?? { model, side, cin, cout, groups, count: 0 };
      s.count += 1;
      shapes.set(key, s);
    }
  }
  return [...shapes.values()];
}

function cpuMs(run: () => void): number {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--calls');
  const calls = i < 0 ? 15 : Number(process.argv[i + 1]);
  if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls takes a whole number ≥ 1');
  const withB1g4 = process.argv.includes('--b1g4');
  const load = loadavg()[0] ?? 0;
  await initBackend('wasm');
  const models = withB1g4 ? ['A0', 'B1g4'] : ['A0'];
  const rows = models.flatMap(stride1Shapes).map((s) => {
    const batch = s.model === 'A0' ? BATCH : B1G4_BATCH;
    const x = tf.randomNormal<tf.Rank.R4>([batch, s.side, s.side, s.cin], 0, 1, 'float32', 1);
    const filter = tf.randomNormal<tf.Rank.R4>(
      [3, 3, s.cin / s.groups, s.cout],
      0,
      0.05,
      'float32',
      2,
    );
    const bias = tf.randomNormal<tf.Rank.R1>([s.cout], 0, 0.1, 'float32', 3);
    const u = winogradFilter(filter, s.groups);
    // the deploy graph's XNNPACK path: kernels split by group once, activations per call
    const groups = splitConvBiasGroups(filter.clone(), bias.clone(), s.groups);
    const direct = (): void => {
      groupedConvBiasRelu(x, groups, 1).dispose();
    };
    const winograd = (): void => {
      winogradConv2d(x, u, bias, true).dispose();
    };
    for (let w = 0; w < 2; w++) {
      direct();
      winograd();
    }
    const d: number[] = [];
    const g: number[] = [];
    for (let c = 0; c < calls; c++) {
      d.push(cpuMs(direct));
      g.push(cpuMs(winograd));
    }
    tf.dispose([x, filter, bias, u.u, ...groups.flatMap((c) => [c.weight, c.bias])]);
    return { ...s, batch, directMs: median(d), winogradMs: median(g) };
  });
  const total = (key: 'directMs' | 'winogradMs', model = 'A0'): number =>
    rows.filter((r) => r.model === model).reduce((t, r) => t + r[key] * r.count, 0);
  const report = {
    benchmark: 'winograd',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage: load,
    calls,
    batch: BATCH,
    layers: rows,
    a0Stride1DirectMs: total('directMs'),
    a0Stride1WinogradMs: total('winogradMs'),
    ...(withB1g4
      ? {
          b1g4Stride1DirectMs: total('directMs', 'B1g4'),
          b1g4Stride1WinogradMs: total('winogradMs', 'B1g4'),
        }
      : {}),
  };
  const sum = (model: string): string => {
    const [d, g] = [total('directMs', model), total('winogradMs', model)];
    return `${model}'s stride-1 layers in all: ${d.toFixed(0)} ms direct, ${g.toFixed(0)} ms Winograd (${(d / g).toFixed(2)}×).`;
  };
  const md = [
    `RepVGG's stride-1 3×3 layers at 224², bias + ReLU, wasm, one thread: median CPU ms per call over ${String(calls)} alternated calls; ${String(cpus().length)} × ${cpus()[0]?.model ?? 'unknown'}, load average ${load.toFixed(2)} at the start.`,
    '',
    '| model | batch | input | cin → cout | groups | layers | XNNPACK direct ms | Winograd F(2×2,3×3) ms | speed-up |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${String(r.batch)} | ${String(r.side)}² | ${String(r.cin)} → ${String(r.cout)} | ${String(r.groups)} | ${String(r.count)} | ${r.directMs.toFixed(2)} | ${r.winogradMs.toFixed(2)} | ${(r.directMs / r.winogradMs).toFixed(2)}× |`,
    ),
    '',
    ...models.map(sum),
    '',
  ].join('\n');
  publishBenchResults('winograd', report, md);
}

runBench('winograd', main);
