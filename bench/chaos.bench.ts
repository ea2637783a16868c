import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { publishBenchResults, runBench } from './bench-output';
import { chaosMarkdown } from './chaos/chaos.report';
import { runChaos } from './chaos/chaos.run';
import { FAULT_KINDS, type FaultKind } from './chaos/chaos.schedule';
import { OUTER_NETNS_ENV, inPrivateNetns, netnsId } from './chaos/link-cut';

/**
 * `npm run chaos -- [--faults 20] [--seed S] [--workers 3] [--images N] [--epochs E]
 * [--kinds a,b,…] [--keep]`: a deterministic job on a Fashion-MNIST slice under seeded faults
 * (docs/reliability.md); writes bench/results/chaos.json and chaos.md and exits 1 when any check
 * fails. With cut-link among the kinds it runs itself in a network namespace of its own (unshare),
 * where it may add iptables rules without touching the machine's.
 */
function parseKinds(v: string | undefined): FaultKind[] {
  if (v === undefined) return [...FAULT_KINDS];
  const kinds = v.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new Error(`--kinds takes some of ${FAULT_KINDS.join(', ')}; got ${v}`);
  }
  return kinds as FaultKind[];
}

/** Runs this bench again inside `unshare --net` with loopback up; returns its exit status. */
function inOwnNetns(): number {
  const r = spawnSync(
    'unshare',
    [
      '--net',
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      __filename,
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, [OUTER_NETNS_ENV]: netnsId() } },
  );
  if (r.error !== undefined || r.status === null) {
    throw new Error(
      `cannot enter a network namespace for cut-link (${String(r.error ?? r.signal)}): run as root with unshare and iptables, or pass --kinds without cut-link`,
    );
  }
  return r.status;
}

runBench('chaos', async () => {
  const { values } = parseArgs({
    options: {
      faults: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '3' },
      images: { type: 'string' },
      epochs: { type: 'string' },
      kinds: { type: 'string' },
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
  const kinds = parseKinds(values.kinds);
  if (faults > 0 && kinds.includes('cut-link') && !inPrivateNetns()) {
    process.exitCode = inOwnNetns();
    return;
  }
  const workers = int('workers', values.workers, 2);
  const batch = 8 * (workers + 1);
  // Short epochs, so faults aimed at a validation meet one soon: 20 global batches each.
  const images = values.images === undefined ? 20 * batch : int('images', values.images, batch);
  const stepsPerEpoch = Math.floor(images / batch);
  // Long enough for the faults: a fault, the wait for its phase and its recovery take a few
  // steps (an epoch's end: up to an epoch); 15 each plus 20 spare.
  const epochs =
    values.epochs === undefined
      ? Math.max(2, Math.ceil((15 * faults + 20) / stepsPerEpoch))
      : int('epochs', values.epochs, 1);
  const timeout = int('heartbeat-timeout', values['heartbeat-timeout'], 500);
  const result = await runChaos({
    faults,
    seed: int('seed', values.seed, 0),
    workers,
    kinds,
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
