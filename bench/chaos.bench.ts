import { parseArgs } from 'node:util';
import { publishBenchResults, runBench } from './bench-output';
import { chaosMarkdown } from './chaos/chaos.report';
import { runChaos } from './chaos/chaos.run';

/**
 * `npm run chaos -- [--faults 20] [--seed S] [--workers 3] [--images N] [--epochs E] [--keep]`:
 * a deterministic job on a Fashion-MNIST slice under seeded faults (docs/reliability.md); writes
 * bench/results/chaos.json and chaos.md and exits 1 when any check fails.
 */
runBench('chaos', async () => {
  const { values } = parseArgs({
    options: {
      faults: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '3' },
      images: { type: 'string' },
      epochs: { type: 'string' },
      'image-size': { type: 'string', default: '16' },
      'heartbeat-timeout': { type: 'string', default: '3000' },
      keep: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be an integer ≥ ${min}, got ${String(v)}`);
    return n;
  };
  const faults = int('faults', values.faults, 0);
  const workers = int('workers', values.workers, 2);
  const batch = 8 * (workers + 1);
  // Long enough for the faults: a fault and its recovery take a few steps; 12 each plus 20 spare.
  const images = values.images === undefined ? 100 * batch : int('images', values.images, batch);
  const epochs =
    values.epochs === undefined
      ? Math.max(2, Math.ceil((12 * faults + 20) / Math.floor(images / batch)))
      : int('epochs', values.epochs, 1);
  const timeout = int('heartbeat-timeout', values['heartbeat-timeout'], 500);
  const result = await runChaos({
    faults,
    seed: int('seed', values.seed, 0),
    workers,
    trainImages: images - (images % batch),
    testImages: 200,
    epochs,
    imageSize: int('image-size', values['image-size'], 8),
    width: 0.25,
    heartbeatMs: Math.max(50, Math.floor(timeout / 6)),
    heartbeatTimeoutMs: timeout,
    keep: values.keep,
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
  });
  publishBenchResults('chaos', result, chaosMarkdown(result));
  if (!result.passed) {
    const failed = Object.entries(result.checks)
      .filter(([, ok]) => !ok)
      .map(([k]) => k);
    throw new Error(
      `failed checks: ${failed.join(', ')}${result.dir === null ? '' : ` (logs in ${result.dir})`}`,
    );
  }
});
