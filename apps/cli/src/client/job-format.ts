import type {
  EpochResult,
  JobRecord,
  JobView,
  StateTransition,
  StepMetrics,
} from '@repvgg/contracts';

/** `42s`, `3m05s`, `2h07m`, `3d04h`: short enough for a table cell or a progress line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** Time since `iso`, as `formatDuration` writes it. */
export const formatAge = (iso: string, now: number): string =>
  formatDuration((now - Date.parse(iso)) / 1000);

export const formatPercent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** Share of the job's optimizer steps done: 1 once it succeeded, 0 before planning. */
export function progressOf(job: JobRecord): number {
  if (job.state === 'succeeded') return 1;
  const { completedSteps, totalSteps } = job.progress;
  return totalSteps === 0 ? 0 : Math.min(1, completedSteps / totalSteps);
}

/** `RepVGG-A0`, or a custom architecture as its blocks and widths. */
export function formatArch(arch: JobRecord['spec']['architecture']): string {
  if (typeof arch === 'string') return arch;
  return `custom [${arch.numBlocks.join(',')}]×[${arch.widthMultiplier.join(',')}]`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export const JOB_TABLE_HEADERS = [
  'ID',
  'NAME',
  'STATE',
  'ARCH',
  'PROGRESS',
  'WORKERS',
  'TOP-1',
  'AGE',
] as const;

/** One `repvgg jobs` row; ids are cut to 8 characters (any unique prefix names a job). */
export function jobRow(job: JobRecord, now: number): string[] {
  const top1 = job.epochResults.at(-1)?.top1;
  return [
    job.id.slice(0, 8),
    job.spec.name ?? '-',
    job.state,
    formatArch(job.spec.architecture),
    formatPercent(progressOf(job), 0),
    String(job.workers.length),
    top1 === undefined ? '-' : formatPercent(top1),
    formatAge(job.createdAt, now),
  ];
}

/** `repvgg status`: the job in a few labelled lines. */
export function formatJobSummary(job: JobView, now: number): string {
  const s = job.spec;
  const p = job.progress;
  const last = job.epochResults.at(-1);
  const m = job.latestMetrics;
  const lines: [string, string][] = [
    ['job', `${job.id}${s.name === undefined ? '' : ` (${s.name})`}`],
    ['state', `${job.state}: ${job.reason} (${formatAge(job.updatedAt, now)} ago)`],
    ['architecture', `${formatArch(s.architecture)} at ${s.imageSize}×${s.imageSize}`],
    ['dataset', `${s.dataset.source} ${s.dataset.path}`],
    [
      'recipe',
      `${s.epochs} epochs, batch ${s.globalBatch} in ${s.virtualReplicas} replicas, lr ${s.optimizer.lr}, ${s.mode} mode, seed ${s.seed}`,
    ],
    [
      'progress',
      p.totalSteps === 0
        ? formatPercent(progressOf(job), 0)
        : `${formatPercent(progressOf(job), 0)} (epoch ${Math.min(p.epoch + 1, s.epochs)}/${s.epochs}, step ${p.completedSteps}/${p.totalSteps})`,
    ],
    [
      'workers',
      `${job.workers.length} (generation ${job.generation}, ${s.workers.min}–${s.workers.max} allowed)`,
    ],
  ];
  if (m !== null) {
    lines.push(['last step', `loss ${m.loss.toFixed(4)}, ${imagesPerSecond(m)} img/s`]);
  }
  if (last !== undefined) {
    lines.push([
      'validation',
      `top-1 ${formatPercent(last.top1, 2)}, top-5 ${formatPercent(last.top5, 2)} after epoch ${last.epoch + 1}`,
    ]);
  }
  if (job.etaSeconds !== null) lines.push(['eta', formatDuration(job.etaSeconds)]);
  lines.push(['created', `${job.createdAt} (${formatAge(job.createdAt, now)} ago)`]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}

export const imagesPerSecond = (m: StepMetrics): number =>
  m.seconds > 0 ? Math.round(m.images / m.seconds) : 0;

/** `[#######-------------]` */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Where a step stands in the run, for the progress line. */
export interface StepPosition {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly etaSeconds: number | null;
}

/** The progress line of `repvgg watch`: bar, epoch/step, loss, img/s, workers, ETA. */
export function formatStepLine(m: StepMetrics, pos: StepPosition): string {
  const done = m.epoch * pos.stepsPerEpoch + m.step + 1;
  const fraction = pos.totalSteps === 0 ? 0 : done / pos.totalSteps;
  const steps = pos.stepsPerEpoch === 0 ? `${m.step + 1}` : `${m.step + 1}/${pos.stepsPerEpoch}`;
  return [
    progressBar(fraction),
    formatPercent(fraction, 0).padStart(4),
    `epoch ${m.epoch + 1}/${pos.epochs}`,
    `step ${steps}`,
    `loss ${m.loss.toFixed(4)}`,
    `${imagesPerSecond(m)} img/s`,
    `workers ${m.workers}`,
    `ETA ${pos.etaSeconds === null ? '-' : formatDuration(pos.etaSeconds)}`,
  ].join('  ');
}

export const formatEpochLine = (r: EpochResult, epochs: number): string =>
  `epoch ${r.epoch + 1}/${epochs}: val top-1 ${formatPercent(r.top1, 2)}  top-5 ${formatPercent(r.top5, 2)}  loss ${r.valLoss.toFixed(4)}  ${Math.round(r.imagesPerSecond)} img/s`;

export const formatGenerationLine = (generation: number, workers: number, reason: string): string =>
  `generation ${generation}: ${workers} worker${workers === 1 ? '' : 's'} (${reason})`;

export const formatStateLine = (t: StateTransition): string =>
  `state ${t.from === null ? '' : `${t.from} → `}${t.to}: ${t.reason}`;

/** A worker's report of samples it could not decode, with the first as an example. */
export function formatDecodeLine(
  workerId: string,
  count: number,
  total: number,
  samples: readonly { sample: string; reason: string }[],
): string {
  const first = samples.at(0);
  return (
    `decode failures: ${count} more on ${workerId} (${total} in the job)` +
    (first === undefined ? '' : `, e.g. ${first.sample}: ${first.reason}`)
  );
}
