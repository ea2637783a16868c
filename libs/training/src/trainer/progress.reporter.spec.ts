import { describe, it, expect } from 'vitest';
import { formatDuration, ProgressReporter } from './progress.reporter';

function sink(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const out = {
    isTTY,
    write: (s: string) => {
      chunks.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

const step = (i: number) => ({
  epoch: 0,
  epochs: 2,
  step: i,
  stepsPerEpoch: 20,
  loss: 1,
  imagesPerSec: 500,
  lr: 0.1,
});

describe('ProgressReporter', () => {
  it('formats durations', () => {
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
  });

  it('prints a plain line every tenth of an epoch when stderr is not a terminal', () => {
    const s = sink(false);
    const r = new ProgressReporter(s.out, 2);
    for (let i = 0; i < 20; i++) r.onStep(step(i));
    const lines = s.text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(
      /^epoch 1\/2 step 2\/20 loss 1\.0000 500 img\/s lr 0\.100 ETA \d+m\d\ds$/,
    );
    r.onEpoch({
      epoch: 0,
      trainLoss: 0.5,
      trainTop1: 0.8,
      trainImagesPerSec: 480,
      dataWaitShare: 0.02,
      lr: 0.05,
      val: { loss: 0.4, top1: 0.85, top5: 0.99, images: 100, imagesPerSec: 2000 },
      seconds: 30,
    });
    expect(s.text()).toContain(
      'epoch 1/2: train loss 0.5000 top-1 80.00% 480 img/s data wait 2.0% | val loss 0.4000 top-1 85.00% top-5 99.00% (2000 img/s) | 0m30s\n',
    );
  });

  it('redraws one bar in place on a terminal', () => {
    const s = sink(true);
    const r = new ProgressReporter(s.out, 2);
    r.onStep(step(19));
    expect(s.text()).toMatch(/^\r\[#{24}\] epoch 1\/2 step 20\/20 .* ETA /);
    expect(s.text().endsWith('\u001b[K')).toBe(true);
  });
});
