import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiStandIn, kubeStatus, type SeenRequest } from '../support/kube-api-stand-in';
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

const SCALE_PATH = '/apis/apps/v1/namespaces/repvgg/statefulsets/repvgg-worker/scale';

/**
 * The Kubernetes API server's stand-in (test/support: this machine has no cluster) serving the one
 * subresource the coordinator's Role allows — GET and PATCH of the worker StatefulSet's scale — with
 * a replica count it keeps; it records every request, so the test asserts exactly what the
 * coordinator sends.
 */
class ScaleSubresource {
  replicas = 0;

  readonly handle = (seen: SeenRequest): [number, unknown] => {
    if (seen.path !== SCALE_PATH) return [404, kubeStatus(404, 'NotFound')];
    if (seen.method === 'PATCH') {
      this.replicas = (seen.body as { spec: { replicas: number } }).spec.replicas;
    } else if (seen.method !== 'GET') {
      return [405, kubeStatus(405, 'MethodNotAllowed')];
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
  };
}

const scale = new ScaleSubresource();
let api: KubeApiStandIn;
let h: Harness;
const workers: FakeWorker[] = [];

beforeAll(async () => {
  api = new KubeApiStandIn(scale.handle);
  await api.listen();
  const kubeconfig = api.kubeconfig('repvgg');
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

const patches = (): SeenRequest[] => api.seen.filter((s) => s.method !== 'GET');
const replicasReach = (n: number, what: string): Promise<void> =>
  until(() => scale.replicas === n, `${what}: replicas ${n}`, 30_000);

describe('REPVGG_SCALER=kubernetes', () => {
  it('patches only the worker StatefulSet scale: up at once, down one at a time, also when a job finishes', async () => {
    // nothing runnable: it reads the scale and leaves it alone
    await until(() => api.seen.length >= 3, 'the scaler reading the scale');
    expect(patches()).toEqual([]);

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

    expect(patches().map((p) => [p.method, p.path, p.contentType, JSON.stringify(p.body)])).toEqual(
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
