import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobLogLineSchema } from '@repvgg/contracts';
import { writeTinyIdx } from '../training/tiny-idx.fixture';
import { ensureBuilt, runCli } from './cli-harness';
import { tempDir } from './cli-fixtures';
import { detachedUpArgs, readState, spawnRepvgg } from './cluster.support';

/** A process log line as pino writes it (libs/contracts logging/process-logger.ts). */
const processLineSchema = z.looseObject({
  time: z.iso.datetime(),
  level: z.string(),
  component: z.enum(['coordinator', 'worker']),
  msg: z.string(),
  jobId: z.string().optional(),
});
type ProcessLine = z.infer<typeof processLineSchema>;

/** The lines of a process log that contain `needle`, as `grep needle` prints them. */
const grep = (file: string, needle: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(needle));

/**
 * The coordinator and the workers of `repvgg cluster up` log JSON lines (pino) to their log files;
 * every line of a job's log (`GET /v1/jobs/:id/logs`: the coordinator's and the workers' lines) is
 * in those files with the job id, so `grep <jobId> logs/*` finds the whole job.
 */
describe('repvgg cluster: every log line of a job is found by its job id', () => {
  const base = tempDir();
  const dir = join(base, 'cluster');
  const data = join(base, 'data', 'tiny');

  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(data, { recursive: true });
    await writeTinyIdx(data, { train: 32, test: 16, size: 8, classes: 3, seed: 5 });
  });
  afterAll(() => {
    runCli(['cluster', 'down', '--dir', dir]);
  });

  it('grep <jobId> over the cluster logs finds every line of the job log, as JSON with the job fields', async () => {
    const up = runCli(detachedUpArgs(dir, join(base, 'data')));
    expect(up.code, up.stderr).toBe(0);
    const spec = join(base, 'job.json');
    writeFileSync(
      spec,
      JSON.stringify({
        dataset: { source: 'idx', path: data },
        architecture: { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] },
        imageSize: 8,
        epochs: 1,
        globalBatch: 8,
        virtualReplicas: 2,
        workers: { min: 2, max: 2 },
        shardSteps: 2,
      }),
    );
    const submit = spawnRepvgg(['submit', '--spec', spec, '--cluster-dir', dir, '--watch']);
    const done = await submit.exited;
    expect(done.code, submit.output()).toBe(0);
    const id = /[0-9a-f-]{36}/.exec(submit.output())?.[0] ?? '';
    expect(id).not.toBe('');

    const state = readState(dir);
    const token = readFileSync(state.tokenFile, 'utf8').trim();
    const res = await fetch(`${state.coordinatorUrl}/v1/jobs/${id}/logs`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const jobLines = (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => jobLogLineSchema.parse(JSON.parse(l.slice('data: '.length))));
    expect(jobLines.filter((l) => l.source === 'coordinator').length).toBeGreaterThan(0);
    expect(jobLines.filter((l) => l.source !== 'coordinator').length).toBeGreaterThan(0);

    const logs = join(dir, 'logs');
    const files = readdirSync(logs).filter((f) => /^(coordinator|worker-\d+)\.log$/.test(f));
    const found: ProcessLine[] = files.flatMap((f) =>
      grep(join(logs, f), id).map((l) => processLineSchema.parse(JSON.parse(l))),
    );
    // Each job log line is in a process log, carrying the job id as a field.
    for (const line of jobLines) {
      const component = line.source === 'coordinator' ? 'coordinator' : 'worker';
      expect(
        found.some((p) => p.component === component && p.jobId === id && p.msg === line.message),
        `${line.source}: ${line.message}`,
      ).toBe(true);
    }
    // The workers' lines say where in the job they are.
    const generation = found.find((p) => p.component === 'worker' && /^generation /.test(p.msg));
    expect(generation?.jobId).toBe(id);
    expect(typeof generation?.generation).toBe('number');
    expect(typeof generation?.rank).toBe('number');
    const down = runCli(['cluster', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
  });
});
