import type { BundleReport } from '@repvgg/core/export/bundle-report';

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(2)}%`;

/**
 * The closing lines of `repvgg run`: held-out accuracy, wall time, and the measured fused-vs-
 * multi-branch equivalence of every export, each against its bound, as the bundle's report states it.
 */
export function formatRunSummary(report: BundleReport, wallSeconds: number, out: string): string {
  const m = report.metrics;
  const split = m?.split ?? 'held-out';
  const eq = report.equivalence;
  const exports = (['fused', 'onnx', 'tfjs'] as const)
    .map((name) => {
      const r = eq[name];
      return `${name} max|Δ| ${r.maxAbsDiff.toExponential(1)} (bound ${r.bound.toExponential(1)}${r.pass ? '' : ', FAILED'})`;
    })
    .join(', ');
  return (
    `${split} top-1 ${pct(m?.top1)}, top-5 ${pct(m?.top5)} · wall time ${(wallSeconds / 60).toFixed(1)} min\n` +
    `fused vs multi-branch logits (${eq.backend}): ${exports}\n` +
    `bundle in ${out}\n`
  );
}
