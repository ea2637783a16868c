import { publishBenchResults, runBench } from './bench-output';
import { median } from './median';
import { archForClasses } from '@repvgg/core/arch/arch-for-classes';
import { initBackend } from '@repvgg/core/compute/backend';
import { winogradConv2d, winogradFilter } from '@repvgg/core/compute/ops/winograd-conv.op';
import { tf } from '@repvgg/core/compute/tf';
import { cpus, loadavg } from 'node:os';

/**
 * `npm run bench -- winograd [--calls N]`: the deploy graph's stride-1 3×3 layers of RepVGG-A0 at
 * 224², batch 8, as XNNPACK's FusedConv2D (tfjs-backend-wasm) and as winograd.wat's F(2×2, 3×3), each
 * with bias and ReLU and its filter prepared once. The two alternate call by call; per layer the
 * median process CPU ms per call over N calls each (after 2 warm-up calls each), and the A0 forward's
 * total over its stride-1 layers (each shape counted as often as A0 has it).
 */

const BATCH = 8;
const PAD: [[0, 0], [1, 1], [1, 1], [0, 0]] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

interface Shape {
  readonly side: number;
  readonly cin: number;
  readonly cout: number;
  /** how many of A0's layers have it */
  count: number;
}

function a0Stride1Shapes(): Shape[] {
  const shapes = new Map<string, Shape>();
  let side = 224;
  for (const b of archForClasses('A0', 1000).blocks) {
    if (b.stride === 2) side = Math.floor((side + 2 - 3) / 2) + 1;
    else {
      const key = `${String(side)}:${String(b.inChannels)}:${String(b.outChannels)}`;
      const s = shapes.get(key) ?? { side, cin: b.inChannels, cout: b.outChannels, count: 0 };
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
  const load = loadavg()[0] ?? 0;
  await initBackend('wasm');
  const rows = a0Stride1Shapes().map((s) => {
    const x = tf.randomNormal<tf.Rank.R4>([BATCH, s.side, s.side, s.cin], 0, 1, 'float32', 1);
    const filter = tf.randomNormal<tf.Rank.R4>([3, 3, s.cin, s.cout], 0, 0.05, 'float32', 2);
    const bias = tf.randomNormal<tf.Rank.R1>([s.cout], 0, 0.1, 'float32', 3);
    const u = winogradFilter(filter);
    const direct = (): void => {
      tf.fused.conv2d({ x, filter, strides: 1, pad: PAD, bias, activation: 'relu' }).dispose();
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
    tf.dispose([x, filter, bias, u.u]);
    return { ...s, directMs: median(d), winogradMs: median(g) };
  });
  const total = (key: 'directMs' | 'winogradMs'): number =>
    rows.reduce((t, r) => t + r[key] * r.count, 0);
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
  };
  const md = [
    `RepVGG-A0's stride-1 3×3 layers at 224², batch ${String(BATCH)}, bias + ReLU, wasm, one thread: median CPU ms per call over ${String(calls)} alternated calls; ${String(cpus().length)} × ${cpus()[0]?.model ?? 'unknown'}, load average ${load.toFixed(2)} at the start.`,
    '',
    '| input | cin → cout | layers in A0 | XNNPACK direct ms | Winograd F(2×2,3×3) ms | speed-up |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${String(r.side)}² | ${String(r.cin)} → ${String(r.cout)} | ${String(r.count)} | ${r.directMs.toFixed(2)} | ${r.winogradMs.toFixed(2)} | ${(r.directMs / r.winogradMs).toFixed(2)}× |`,
    ),
    '',
    `A0's stride-1 layers in all: ${report.a0Stride1DirectMs.toFixed(0)} ms direct, ${report.a0Stride1WinogradMs.toFixed(0)} ms Winograd (${(report.a0Stride1DirectMs / report.a0Stride1WinogradMs).toFixed(2)}×).`,
    '',
  ].join('\n');
  publishBenchResults('winograd', report, md);
}

runBench('winograd', main);
