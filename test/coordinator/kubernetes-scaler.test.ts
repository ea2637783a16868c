import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWorker } from './fake-worker';
import {
  AUTH,
  startHarness,
  submitJob,
  until,
  viewJob,
  writeIdxDataset,
  type Harness,
} from './coordinator.harness';

interface Seen {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

const SCALE_PATH = '/apis/apps/v1/namespaces/repvgg/statefulsets/repvgg-worker/scale';

/**
 * A stand-in for the Kubernetes API server (this machine has no cluster): it serves the one subresource the
 * coordinator's Role allows — GET and PATCH of the worker StatefulSet's scale — keeps its replica count, and records
 * every request, so the test asserts exactly what the coordinator sends.
 */
class ApiServerStandIn {
  replicas = 0;
  readonly seen: Seen[] = [];
  private readonly server: Server = createServer((req, res) => {
    void this.handle(req).then(([status, body]) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  patches(): Seen[] {
    return this.seen.filter((s) => s.method !== 'GET');
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    const seen: Seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body: text === '' ? undefined : JSON.parse(text),
    };
    this.seen.push(seen);
    if (seen.path !== SCALE_PATH) return [404, { kind: 'Status', code: 404 }];
    if (seen.method === 'PATCH') {
      this.replicas = (seen.body as { spec: { replicas: number } }).spec.replicas;
    } else if (seen.method !== 'GET') {
      return [405, { kind: 'Status', code: 405 }];
    }
    return [
      200,
      {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'repvgg-worker', namespace: 'repvgg' },
        spec: { replicas: this.replicas },
        status: { replicas: this.replicas },
      },
    ];
  }
}

let api: ApiServerStandIn;
let h: Harness;
const workers: FakeWorker[] = [];

beforeAll(async () => {
  api = new ApiServerStandIn();
  const port = await api.listen();
  const kubeconfig = join(
    (await import('node:os')).tmpdir(),
    `kubeconfig-${process.pid}-${port}.yaml`,
  );
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `  - name: stand-in`,
      // plain HTTP on loopback, which the client only allows with verification off
      `    cluster: { server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true }`,
      'users:',
      '  - name: coordinator',
      '    user: { token: stand-in-token }',
      'contexts:',
      '  - name: stand-in',
      '    context: { cluster: stand-in, user: coordinator, namespace: repvgg }',
      'current-context: stand-in',
      '',
    ].join('\n'),
  );
  h = await startHarness({
    REPVGG_SCALER: 'kubernetes',
    REPVGG_SCALER_INTERVAL_MS: '100',
    REPVGG_MAX_WORKERS: '4',
    KUBECONFIG: kubeconfig,
  });
  writeIdxDataset(join(h.dataRoot, 'tiny'), 40);
});
afterAll(async () => {
  for (const w of workers) w.kill();
  await h.close();
  await api.close();
});

const replicasReach = (n: number, what: string): Promise<void> =>
  until(() => api.replicas === n, `${what}: replicas ${n}`, 30_000);

describe('REPVGG_SCALER=kubernetes', () => {
  it('patches only the worker StatefulSet scale: up at once, down one at a time, also when a job finishes', async () => {
    // nothing runnable: it reads the scale and leaves it alone
    await until(() => api.seen.length >= 3, 'the scaler reading the scale');
    expect(api.patches()).toEqual([]);

    const a = await submitJob(h, { workers: { min: 1, max: 2 }, epochs: 1 });
    await replicasReach(2, 'job a wants 2');
    const b = await submitJob(h, { workers: { min: 1, max: 2 }, priority: 5 });
    await replicasReach(4, 'a and b want 4 (the cap)');

    await request(h.url()).post(`/v1/jobs/${b}/cancel`).set(AUTH).expect(200);
    await replicasReach(2, 'b cancelled');

    // a trains to the end (a rendezvous-level worker: registers, reports steps, writes checkpoints)
    const w = await new FakeWorker(h.coordinator.grpcPort, 3, 10, h.artifacts).start();
    workers.push(w);
    await until(async () => (await viewJob(h, a)).state === 'succeeded', 'a to succeed', 60_000);
    await replicasReach(0, 'a finished');

    expect(
      api.patches().map((p) => [p.method, p.path, p.contentType, JSON.stringify(p.body)]),
    ).toEqual(
      [2, 4, 3, 2, 1, 0].map((n) => [
        'PATCH',
        SCALE_PATH,
        'application/merge-patch+json',
        JSON.stringify({ spec: { replicas: n } }),
      ]),
    );
    // every request: the scale subresource only, with the service account's (here: the kubeconfig's) token
    for (const s of api.seen) {
      expect([s.method, s.path]).toEqual([s.method === 'GET' ? 'GET' : 'PATCH', SCALE_PATH]);
      expect(s.authorization).toBe('Bearer stand-in-token');
    }
  });
});
