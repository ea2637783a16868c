import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './cli-harness';
import { tempDir } from './cli-fixtures';
import { detachedUpArgs, readState, spawnRepvgg, survivors } from './cluster.support';
import { SLICE_RECIPE, writeFashionSlice, writeTinyArch } from './fashion-slice.fixture';

/**
 * The product's main job end to end, through the CLI, with real processes (Redis, coordinator, two
 * workers) on a slice of the real Fashion-MNIST: `cluster up --detach` → `submit --watch
 * --download` (every file's sha256 verified) → `evaluate` reproduces the job's top-1 → `cluster
 * down` leaves no process; and the same through the one command, `repvgg run`. A tiny model on 3,000
 * images reaches far above chance (10 %) in two epochs, so these fail when training breaks.
 */
const TRAIN = 3000;
const TEST = 500;
/** Well above the 10 % of guessing; a tiny model reaches ~70 % here in two epochs. */
const LEARNED = 0.5;
const STOP_MS = 15_000;

interface Report {
  readonly metrics: { readonly top1: number; readonly top5: number; readonly split: string };
  readonly files: Record<string, { readonly sha256: string }>;
  readonly equivalence: { readonly pass: boolean };
}
const readReport = (dir: string): Report =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;

/** Processes whose environment names `marker` (every process a cluster in that folder started). */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

describe('the distributed path through the CLI on real Fashion-MNIST images', () => {
  const base = tempDir();
  const data = join(base, 'fmnist-slice');
  const arch = join(base, 'tiny-arch.json');
  const spec = ['--data', data, '--arch-file', arch, ...SLICE_RECIPE, '--seed', '3'];

  beforeAll(() => {
    ensureBuilt();
    writeFashionSlice(data, TRAIN, TEST);
    writeTinyArch(arch);
  });

  const dir = join(base, 'cluster');
  afterAll(() => {
    runCli(['cluster', 'down', '--dir', dir]);
  });

  it('cluster up --detach → submit --watch --download → evaluate = the job top-1 → cluster down', async () => {
    const up = runCli(detachedUpArgs(dir, base));
    expect(up.code, up.stderr).toBe(0);
    const pids = readState(dir).processes.map((p) => p.pid);

    const out = join(base, 'bundle');
    const submit = spawnRepvgg([
      'submit',
      ...spec,
      '--workers-max',
      '2',
      '--cluster-dir',
      dir,
      '--watch',
      '--download',
      out,
    ]);
    const done = await submit.exited;
    expect(done.code, submit.output()).toBe(0);
    expect(submit.output()).toMatch(/epoch 2\/2: val top-1 \d/);
    expect(submit.output()).toMatch(/verified/);

    const report = readReport(out);
    expect(report.metrics.split).toBe('test');
    expect(report.metrics.top1).toBeGreaterThan(LEARNED);
    expect(report.equivalence.pass).toBe(true);
    for (const name of Object.keys(report.files)) expect(existsSync(join(out, name))).toBe(true);

    const evaluated = runCli(['evaluate', '--model', out, '--data', data, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const metrics = JSON.parse(evaluated.stdout) as { top1: number; top5: number };
    expect(metrics.top1).toBe(report.metrics.top1);
    expect(metrics.top5).toBe(report.metrics.top5);

    const down = runCli(['cluster', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(await survivors(pids, STOP_MS)).toEqual([]);
  });

  it('repvgg run: cluster up, submit, watch, download, verify, down — in one command, leaving no process', async () => {
    const runDir = join(base, 'run-cluster');
    const out = join(base, 'run-out');
    const run = spawnRepvgg([
      'run',
      ...spec,
      '--workers',
      '2',
      '--cluster-dir',
      runDir,
      '--out',
      out,
    ]);
    const done = await run.exited;
    expect(done.code, run.output()).toBe(0);
    expect(run.output()).toMatch(/test top-1 \d+\.\d\d%, top-5 .* wall time \d+\.\d min/);
    expect(run.output()).toMatch(/fused vs multi-branch logits .*fused max\|Δ\| /);
    const report = readReport(out);
    expect(report.metrics.top1).toBeGreaterThan(LEARNED);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['model.onnx', 'model.safetensors']));
    expect(existsSync(join(runDir, 'cluster.json'))).toBe(false);
    expect(await survivors(processesMentioning(runDir), STOP_MS)).toEqual([]);
  });

  it('repvgg train learns the same slice in one process', () => {
    const out = join(base, 'train-out');
    const train = runCli(['train', ...spec, '--out', out]);
    expect(train.code, train.stderr).toBe(0);
    expect(readReport(out).metrics.top1).toBeGreaterThan(LEARNED);
  });
});
