import type { ChaosResult } from './chaos.run';

const sec = (v: number | null | undefined): string => (v == null ? '–' : v.toFixed(2));

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const lo = s[Math.floor((s.length - 1) / 2)] ?? 0;
  const hi = s[Math.ceil((s.length - 1) / 2)] ?? 0;
  return (lo + hi) / 2;
}

/** The run as markdown: the checks, recovery by kind, and where a SIGKILL's recovery went. */
export function chaosMarkdown(r: ChaosResult): string {
  const o = r.options;
  const lines = [
    `Chaos run: ${r.faults.length} faults (seed ${o.seed}), ${o.workers} workers, ${o.trainImages} Fashion-MNIST images × ${o.epochs} epochs at ${o.imageSize} px, heartbeat timeout ${o.heartbeatTimeoutMs} ms; ${r.committedSteps} steps in ${r.wallSeconds.toFixed(0)} s — **${r.passed ? 'passed' : 'FAILED'}**`,
    '',
    '| check | result |',
    '|---|---|',
    ...Object.entries(r.checks).map(([k, v]) => `| ${k} | ${v ? 'pass' : '**FAIL**'} |`),
    '',
    '| fault | count | recovery median (s) | p95 (s) | max (s) |',
    '|---|---:|---:|---:|---:|',
    ...r.recovery.map(
      (k) =>
        `| ${k.kind} | ${k.count} | ${sec(k.medianSeconds)} | ${sec(k.p95Seconds)} | ${sec(k.maxSeconds)} |`,
    ),
  ];
  lines.push(
    '',
    '| # | fault | target | aimed at | struck on | ms after commit | recovery (s) |',
    '|---:|---|---|---|---|---:|---:|',
    ...r.faults.map(
      (f) =>
        `| ${f.index + 1} | ${f.kind} | ${f.target ?? '–'} | ${f.phase} | ${f.struckOn} | ${f.msAfterCommit ?? '–'} | ${sec(f.recoverySeconds)} |`,
    ),
  );
  const kills = r.faults.filter((f) => f.kind === 'kill-leader' || f.kind === 'kill-member');
  const phases = [
    'detectionSeconds',
    'rendezvousSeconds',
    'agreementSeconds',
    'firstStepSeconds',
  ] as const;
  if (kills.length > 0) {
    lines.push(
      '',
      `Where a SIGKILL's recovery goes (median of ${kills.length}, seconds):`,
      '',
      '| detection | rendezvous | state agreement | first step | total |',
      '|---:|---:|---:|---:|---:|',
      `| ${phases
        .map((p) => sec(median(kills.flatMap((f) => (f[p] === undefined ? [] : [f[p]])))))
        .join(
          ' | ',
        )} | ${sec(median(kills.flatMap((f) => (f.recoverySeconds === null ? [] : [f.recoverySeconds]))))} |`,
    );
  }
  const stops = r.faults.filter((f) => f.kind === 'stop-member');
  if (stops.length > 0) {
    lines.push(
      '',
      `SIGSTOPped members dropped after ${stops.map((f) => sec(f.detectedSeconds)).join(', ')} s (deadline ${sec(stops[0]?.deadlineSeconds)} s).`,
    );
  }
  const cuts = r.faults.filter((f) => f.kind === 'cut-link');
  if (cuts.length > 0) {
    lines.push(
      '',
      `Cut data links noticed (the generation ended) after ${cuts.map((f) => `${sec(f.detectedSeconds)} s (deadline ${sec(f.deadlineSeconds)} s)`).join(', ')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
