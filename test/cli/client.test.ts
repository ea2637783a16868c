import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobRecordSchema, jobViewSchema } from '@repvgg/contracts';
import { TOKEN, until } from '../coordinator/coordinator.harness';
import { exited, workerTestbed } from '../worker/worker-processes';
import { CoordinatorClient } from '../../apps/cli/src/client/coordinator.client';
import { ensureBuilt, ROOT } from './cli-harness';
import { lines, repvgg } from './in-process-cli';

// The worker processes run the build; build it before the testbed's beforeAll checks for it.
beforeAll(() => {
  ensureBuilt();
});
const bed = workerTestbed('tiny', 64);
const work = mkdtempSync(join(tmpdir(), 'cli-client-'));
/** No local cluster: every connection comes from the environment or the flags. */
const noCluster = join(work, 'no-cluster');
const env = (): Record<string, string> => ({
  REPVGG_COORDINATOR: bed.h.url(),
  REPVGG_TOKEN: TOKEN,
  REPVGG_CLUSTER_DIR: noCluster,
});
const cli = (args: readonly string[], extra: Record<string, string | undefined> = {}) =>
  repvgg(args, { ...env(), ...extra });

/** Exit code 2 or 3 and a single `repvgg: <problem>; <remedy>` line on stderr, nothing on stdout. */
function expectOneLine(
  r: { code: number; stdout: string; stderr: string },
  code: number,
  re: RegExp,
) {
  expect(r.stdout).toBe('');
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(/^repvgg: \S.*; \S.*\n$/);
  expect(r.stderr).toMatch(re);
  expect(r.code).toBe(code);
}

const TINY_ARCH = { numBlocks: [1, 1, 1, 1], widthMultiplier: [0.125, 0.125, 0.125, 0.125] };
const tinyFlags = (): string[] => {
  const archFile = join(work, 'tiny-arch.json');
  writeFileSync(archFile, JSON.stringify(TINY_ARCH));
  return [
    '--data',
    bed.dataDir,
    '--arch-file',
    archFile,
    '--image-size',
    '8',
    '--batch',
    '8',
    '--replicas',
    '2',
    '--workers-min',
    '1',
    '--workers-max',
    '1',
    '--seed',
    '7',
    '--lr',
    '0.05',
  ];
};
/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

describe('repvgg client commands against a real coordinator', () => {
  it('prints one line with what to do for each client error, with the documented exit code', async () => {
    const closed = await closedPort();
    expectOneLine(
      await cli(['jobs'], { REPVGG_COORDINATOR: `http://127.0.0.1:${closed}` }),
      3,
      new RegExp(
        `cannot reach the coordinator at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\); start a local cluster with \`repvgg cluster up\``,
      ),
    );
    expectOneLine(
      await cli(['jobs'], { REPVGG_COORDINATOR: undefined }),
      2,
      /no coordinator given and no local cluster in .*no-cluster; start one with `repvgg cluster up`/,
    );
    expectOneLine(
      await cli(['jobs'], { REPVGG_TOKEN: undefined }),
      2,
      /needs an API token and none was sent; pass --token, set REPVGG_TOKEN/,
    );
    expectOneLine(
      await cli(['jobs', '--token', 'not-the-token']),
      2,
      /refused the token from --token; pass the token it was started with/,
    );
    expectOneLine(
      await cli(['status', '00000000-0000-4000-8000-000000000000']),
      2,
      /has no job 00000000-0000-4000-8000-000000000000; list the jobs with `repvgg jobs`/,
    );
    expectOneLine(
      await cli(['submit', ...tinyFlags(), '--batch', '10', '--replicas', '4']),
      2,
      /rejected the job spec: globalBatch must be divisible by virtualReplicas \(4\); fix --batch \(globalBatch\) and submit again/,
    );
    expectOneLine(
      await cli(['submit', '--epochs', '2']),
      2,
      /no dataset given; pass --dataset fashion-mnist, --data DIR/,
    );
  });

  it('submits and watches a job to success, lists it, and downloads its bundle verified', async () => {
    bed.spawn();
    const submitted = await cli([
      'submit',
      ...tinyFlags(),
      '--epochs',
      '2',
      '--name',
      'cli-tiny',
      '--watch',
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = lines(submitted.stdout)[0] ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const watched = lines(submitted.stderr);
    expect(watched[0]).toBe('state queued: submitted');
    expect(watched).toContainEqual(expect.stringMatching(/^generation \d+: 1 worker \(.+\)$/));
    expect(watched).toContainEqual(
      expect.stringMatching(/^epoch 2\/2: val top-1 \d+\.\d\d% {2}top-5 /),
    );
    expect(watched.at(-1)).toMatch(/^state finalizing → succeeded: /);

    // The finished job's events replay; watch exits 0 with the result on stdout.
    const rewatch = await cli(['watch', id.slice(0, 8)]);
    expect(rewatch.code).toBe(0);
    expect(rewatch.stdout).toMatch(new RegExp(`^${id} succeeded: top-1 \\d+\\.\\d\\d%\\n$`));

    const table = lines((await cli(['jobs'])).stdout);
    expect(table[0]).toMatch(/^ID\s+NAME\s+STATE\s+ARCH\s+PROGRESS\s+WORKERS\s+TOP-1\s+AGE$/);
    expect(table[1]).toMatch(
      new RegExp(`^${id.slice(0, 8)}\\s+cli-tiny\\s+succeeded\\s+custom .*100%`),
    );
    const listed = JSON.parse(
      (await cli(['jobs', '--state', 'succeeded', '--json'])).stdout,
    ) as unknown[];
    expect(listed.map((j) => jobRecordSchema.parse(j).id)).toEqual([id]);
    expect(JSON.parse((await cli(['jobs', '--state', 'failed', '--json'])).stdout)).toEqual([]);
    const status = await cli(['status', id.slice(0, 6), '--json']);
    expect(jobViewSchema.parse(JSON.parse(status.stdout)).state).toBe('succeeded');
    expect((await cli(['status', id])).stdout).toMatch(/^state:\s+succeeded: /m);

    const logs = await cli(['logs', id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(lines(logs.stdout).length).toBeGreaterThan(0);
    for (const l of lines(logs.stdout)) expect(l).toMatch(/^\S+Z (DEBUG|INFO |WARN |ERROR) \S.*: /);

    expectOneLine(
      await cli(['cancel', id]),
      2,
      new RegExp(`cannot cancel job ${id}: .*; it already finished`),
    );

    // Download: the bundle's files directly in --out, each sha256 as report.json says.
    const out = join(work, 'bundle');
    const got = await cli(['download', id, '--out', out]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(`${out}\n`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      files: Record<string, { sha256: string }>;
    };
    expect(Object.keys(report.files)).toEqual(
      expect.arrayContaining(['model.safetensors', 'model.onnx', 'model.json']),
    );
    expect(readdirSync(out).sort()).toEqual([...Object.keys(report.files), 'report.json'].sort());
    for (const [name, entry] of Object.entries(report.files))
      expect(sha256(join(out, name)), name).toBe(entry.sha256);

    // A partial file is continued with a Range request, not fetched again.
    const resumed = join(work, 'resumed');
    const onnx = readFileSync(join(out, 'model.onnx'));
    rmSync(resumed, { recursive: true, force: true });
    await cli(['download', id, '--out', resumed]);
    rmSync(join(resumed, 'model.onnx'));
    rmSync(join(resumed, 'report.json'));
    writeFileSync(join(resumed, 'model.onnx.part'), onnx.subarray(0, onnx.length >> 1));
    const again = await cli(['download', id, '--out', resumed]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^model\.onnx .* verified \(resumed at [\d.]+ (B|KiB|MiB)\)$/m);
    expect(again.stderr).toMatch(/^model\.safetensors .* verified \(already present\)$/m);
    expect(readFileSync(join(resumed, 'model.onnx')).equals(onnx)).toBe(true);

    // A file whose bytes are not the report's is refused and deleted; report.json is never written.
    const served = join(bed.h.artifacts, 'jobs', id, 'bundle', 'model.onnx');
    const good = readFileSync(served);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0xff;
    writeFileSync(served, bad);
    try {
      const tampered = join(work, 'tampered');
      const refused = await cli(['download', id, '--out', tampered]);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr).at(-1)).toMatch(
        /^repvgg: model\.onnx failed verification: sha256 \w{12}… \(\d+ bytes\) but report\.json says \w{12}… .*; the bad file was deleted; download again/,
      );
      expect(existsSync(join(tampered, 'model.onnx'))).toBe(false);
      expect(existsSync(join(tampered, 'model.onnx.part'))).toBe(false);
      expect(existsSync(join(tampered, 'report.json'))).toBe(false);
    } finally {
      writeFileSync(served, good);
    }
  });

  it('cancel ends a running job and its watcher with exit 1; resume, delete and their 409s', async () => {
    const submitted = await cli(['submit', ...tinyFlags(), '--epochs', '1000', '--name', 'long']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    const watcher = spawn(process.execPath, [join(ROOT, 'bin', 'repvgg.js'), 'watch', id], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let watchErr = '';
    watcher.stderr.on('data', (d: Buffer) => (watchErr += d.toString()));
    await until(
      () => /^state preparing → running/m.test(watchErr),
      'the watcher seeing the job run',
      60_000,
    );

    // Two jobs now: listing them one per page follows nextCursor.
    const client = new CoordinatorClient({ url: bed.h.url(), token: TOKEN, tokenSource: 'test' });
    const paged = await client.jobs({ pageSize: 1 });
    expect(paged.map((j) => j.spec.name)).toEqual(['cli-tiny', 'long']);
    expect((await client.jobs({ limit: 1 })).map((j) => j.spec.name)).toEqual(['cli-tiny']);

    expectOneLine(
      await cli(['delete', id]),
      2,
      /cannot delete job .*; only finished jobs can be deleted; cancel it first with `repvgg cancel/,
    );
    expectOneLine(
      await cli(['resume', id]),
      2,
      /cannot resume job .*; only failed or cancelled jobs resume/,
    );
    const cancelled = await cli(['cancel', id.slice(0, 8)]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${id} cancelled\n` });
    expect(await exited(watcher)).toBe(1);
    expect(lines(watchErr).at(-1)).toMatch(
      new RegExp(`^repvgg: job ${id} cancelled: cancelled by request; see \`repvgg logs ${id}\``),
    );

    const resumed = await cli(['resume', id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^${id} (queued|preparing|running)\\n$`));
    expect((await cli(['cancel', id])).code).toBe(0);
    expect(await cli(['delete', id])).toMatchObject({ code: 0, stdout: `${id} deleted\n` });
    expectOneLine(await cli(['status', id]), 2, new RegExp(`has no job ${id}`));
  });
});
