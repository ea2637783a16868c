import type { EpochMetrics } from './epoch-metrics';
import type { StepReport, TrainerHooks } from './trainer';

const BAR = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${pad(m)}m` : `${m}m${pad(s % 60)}s`;
}

export function formatEpoch(m: EpochMetrics, epochs: number): string {
  const val =
    m.val === undefined
      ? 'no validation split'
      : `val loss ${m.val.loss.toFixed(4)} top-1 ${(m.val.top1 * 100).toFixed(2)}% ` +
        `top-5 ${(m.val.top5 * 100).toFixed(2)}% (${Math.round(m.val.imagesPerSec)} img/s)`;
  return (
    `epoch ${m.epoch + 1}/${epochs}: train loss ${m.trainLoss.toFixed(4)} ` +
    `top-1 ${(m.trainTop1 * 100).toFixed(2)}% ${Math.round(m.trainImagesPerSec)} img/s ` +
    `data wait ${(m.dataWaitShare * 100).toFixed(1)}% | ${val} | ${formatDuration(m.seconds)}`
  );
}

/**
 * Epoch, step, loss, img/s and ETA on stderr: a bar redrawn in place on a terminal, a plain line every
 * tenth of an epoch otherwise (logs and CI).
 */
export class ProgressReporter implements Required<TrainerHooks> {
  private readonly started = performance.now();
  private stepsDone = 0;
  private lastDraw = 0;
  private lossAvg: number | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly epochs = 1,
  ) {}

  onStep(r: StepReport): void {
    this.stepsDone++;
    this.lossAvg = this.lossAvg === undefined ? r.loss : 0.95 * this.lossAvg + 0.05 * r.loss;
    const elapsed = (performance.now() - this.started) / 1000;
    const remaining = (r.epochs - r.epoch) * r.stepsPerEpoch - (r.step + 1);
    const eta = (elapsed / this.stepsDone) * remaining;
    const line =
      `epoch ${r.epoch + 1}/${r.epochs} step ${r.step + 1}/${r.stepsPerEpoch} ` +
      `loss ${this.lossAvg.toFixed(4)} ${Math.round(r.imagesPerSec)} img/s lr ${r.lr.toPrecision(3)} ` +
      `ETA ${formatDuration(eta)}`;
    if (this.out.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && r.step + 1 < r.stepsPerEpoch) return;
      this.lastDraw = now;
      const filled = Math.round(((r.step + 1) / r.stepsPerEpoch) * BAR);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${line}\x1b[K`);
      return;
    }
    const tenth = Math.max(1, Math.floor(r.stepsPerEpoch / 10));
    if ((r.step + 1) % tenth === 0) this.out.write(`${line}\n`);
  }

  onEpoch(m: EpochMetrics): void {
    this.out.write(`${this.out.isTTY ? '\r\x1b[K' : ''}${formatEpoch(m, this.epochs)}\n`);
  }
}
