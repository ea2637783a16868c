import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RendezvousClient } from '@repvgg/contracts';
import {
  loadRendezvousProto,
  RendezvousGrpcServer,
} from '../../apps/coordinator/src/rendezvous/rendezvous.grpc-server';
import { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { forkTs } from '../support/fork-ts';
import { startHarness, type Harness } from './coordinator.harness';

const WORKER_TOKEN = 'worker-token-0123456789abcdef';
const WRONG_TOKEN = 'not-the-worker-token-0123456789';

let h: Harness;
let server: RendezvousGrpcServer;
let port: number;
const refusals: string[] = [];

beforeAll(async () => {
  h = await startHarness({ REPVGG_WORKER_TOKENS: WORKER_TOKEN });
  // A second gRPC front on the harness's own rendezvous, to read what the coordinator logs.
  server = new RendezvousGrpcServer(
    h.coordinator.app.get(RendezvousService),
    () => undefined,
    [WORKER_TOKEN],
    (line) => refusals.push(line),
  );
  port = await server.listen('127.0.0.1', 0);
});
afterAll(async () => {
  await server.close();
  await h.close();
});

const client = (p: number): RendezvousClient =>
  new (loadRendezvousProto().repvgg.rendezvous.v1.Rendezvous)(
    `127.0.0.1:${p}`,
    grpc.credentials.createInsecure(),
  );
const bearer = (token: string): grpc.Metadata => {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};
const unary = <Res>(
  fn: (
    req: object,
    md: grpc.Metadata,
    cb: (err: grpc.ServiceError | null, res?: Res) => void,
  ) => unknown,
  req: object,
  md: grpc.Metadata,
): Promise<{ err: grpc.ServiceError | null; res?: Res }> =>
  new Promise((resolve) => {
    fn(req, md, (err, res) => {
      resolve({ err, res });
    });
  });
const REGISTER = { address: '127.0.0.1:1', backend: 'cpu', capabilities: [] };

describe('worker tokens on the rendezvous', () => {
  it('refuses every call without the token and logs the refusal without it', async () => {
    const c = client(port);
    const none = await unary(c.register.bind(c), REGISTER, new grpc.Metadata());
    expect(none.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(none.err?.details).toBe('no worker token');

    const wrong = await unary(c.register.bind(c), REGISTER, bearer(WRONG_TOKEN));
    expect(wrong.err?.code).toBe(grpc.status.UNAUTHENTICATED);

    // a registered worker's id is no substitute for the token on later calls
    const ok = await unary<{ workerId: string }>(
      c.register.bind(c),
      REGISTER,
      bearer(WORKER_TOKEN),
    );
    expect(ok.err).toBeNull();
    const workerId = ok.res!.workerId;
    const beat = await unary(c.heartbeat.bind(c), { workerId }, bearer(WRONG_TOKEN));
    expect(beat.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await unary(c.heartbeat.bind(c), { workerId }, bearer(WORKER_TOKEN))).err).toBeNull();
    const watch = c.watch({ workerId }, new grpc.Metadata());
    watch.on('data', () => undefined);
    const [err] = (await once(watch, 'error')) as [grpc.ServiceError];
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    c.close();

    expect(refusals).toHaveLength(4);
    expect(refusals[0]).toMatch(
      /^refused rendezvous Register from 127\.0\.0\.1:\d+: no worker token$/,
    );
    expect(refusals[1]).toMatch(
      /^refused rendezvous Register from .*: a worker token this coordinator does not accept$/,
    );
    expect(refusals[2]).toMatch(/^refused rendezvous Heartbeat /);
    expect(refusals[3]).toMatch(/^refused rendezvous Watch .*: no worker token$/);
    for (const line of refusals) expect(line).not.toContain(WRONG_TOKEN);
  });

  it('a `repvgg worker` with a wrong token exits 2 with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, `${WRONG_TOKEN}\n`);
    const child = forkTs(
      join(__dirname, '../../apps/cli/src/main.ts'),
      [
        'worker',
        '--coordinator',
        `127.0.0.1:${h.coordinator.grpcPort}`,
        '--token-file',
        file,
        '--artifacts',
        dir,
        '--backend',
        'cpu',
      ],
      'pipe',
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    // the one line for the user; the worker's structured log lines (JSON) go to stderr as well
    const lines = stderr.split('\n').filter((l) => l.startsWith('repvgg:'));
    expect(code, stderr).toBe(2);
    expect(lines).toEqual([
      'repvgg: the coordinator refused this worker on rendezvous Register (a worker token this coordinator does not accept); pass its worker token with --token-file FILE or REPVGG_WORKER_TOKEN',
    ]);
  });
});
