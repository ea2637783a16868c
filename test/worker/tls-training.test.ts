import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureClusterTls } from '../../apps/cli/src/cluster/cluster-tls';
import { until } from '../coordinator/coordinator.harness';
import { onlyTlsAnswered, plaintextHttp2Answer } from '../support/plaintext-probe';
import { exited, listWorkers, spawnWorker, TINY_JOB, workerTestbed } from './worker-processes';

// The openssl-made certificates of a local cluster: the coordinator's for its rendezvous, the
// workers' (valid for repvgg-worker) for their collective servers and as client certificates.
const certs = mkdtempSync(join(tmpdir(), 'tls-training-'));
const tls = ensureClusterTls(certs);
afterAll(() => {
  rmSync(certs, { recursive: true, force: true });
});

const SPEC = { ...TINY_JOB, epochs: 1, workers: { min: 2, max: 2 }, shardSteps: 4 } as const;
const bed = workerTestbed('tiny-tls', 32, () => ({ REPVGG_TLS_DIR: tls.coordinator }));

describe('a job over mutual TLS: rendezvous and both collective planes', () => {
  it.each(['tcp', 'grpc'])('two workers train it on the %s data plane', async (plane) => {
    const args = ['--tls-dir', tls.worker, '--data-plane', plane];
    const pair = [bed.spawn(args), bed.spawn(args)];
    const done = await bed.succeed(SPEC);
    expect(done.progress).toMatchObject({ completedSteps: 4, totalSteps: 4 });
    expect(new Set(done.workerHistory.map((g) => g.workers))).toEqual(new Set([2]));

    // Each worker's Collective port (the gRPC plane) takes no plaintext client either.
    for (const { address } of await listWorkers(bed.h)) {
      const at = address.lastIndexOf(':');
      const answer = await plaintextHttp2Answer(
        address.slice(0, at),
        Number(address.slice(at + 1)),
      );
      expect(onlyTlsAnswered(answer), address).toBe(true);
    }
    for (const w of pair) w.kill('SIGTERM');
    await Promise.all(pair.map(exited));
    await until(async () => (await listWorkers(bed.h)).length === 0, 'the pair gone', 15_000);
  });

  it("a worker whose CA did not sign the coordinator's certificate exits 2 with one line", async () => {
    const stranger = ensureClusterTls(join(certs, 'stranger'));
    const child = spawnWorker(bed.h, 'pipe', ['--tls-dir', stranger.worker]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exited(child)).toBe(2);
    const lines = stderr.split('\n').filter((l) => l.startsWith('repvgg: '));
    expect(lines).toEqual([
      expect.stringMatching(
        /^repvgg: the coordinator's certificate at 127\.0\.0\.1:\d+ is not trusted \(.*\); put the CA that signed/,
      ),
    ]);
  });

  it('a worker whose TLS directory lacks a file exits 2 with one line', async () => {
    const missing = join(certs, 'nothing-here');
    const child = spawnWorker(bed.h, 'pipe', ['--tls-dir', missing]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exited(child)).toBe(2);
    expect(stderr.trim()).toBe(
      `repvgg: cannot read the TLS file ${join(missing, 'ca.crt')} (ENOENT): the directory needs ca.crt, tls.crt, tls.key; check --tls-dir or REPVGG_TLS_DIR`,
    );
  });
});
