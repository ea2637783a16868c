import { afterEach, describe, expect, it } from 'vitest';
import { WorkerMetrics, type MetricsServer } from './worker.metrics';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('WorkerMetrics', () => {
  it('serves the step phases, all-reduce bytes, generation changes and heartbeats at /metrics', async () => {
    const m = new WorkerMetrics();
    const split = {
      dataWaitSeconds: 0.002,
      computeSeconds: 0.4,
      allreduceSeconds: 0.03,
      applySeconds: 0.001,
      commitSeconds: 0.02,
    };
    m.observeStep(split, 0.45, 4096);
    m.observeStep(split, 0.45, 4096);
    m.generationChanged();
    m.heartbeat('ok');
    m.heartbeat('failed');
    server = await m.serve('127.0.0.1', 0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('repvgg_worker_step_phase_seconds_count{phase="compute"} 2');
    expect(text).toContain('repvgg_worker_step_phase_seconds_sum{phase="commit"} 0.04');
    expect(text).toContain('repvgg_worker_step_seconds_count 2');
    expect(text).toContain('repvgg_worker_allreduce_bytes_total 8192');
    expect(text).toContain('repvgg_worker_generation_changes_total 1');
    expect(text).toContain('repvgg_worker_heartbeats_total{result="ok"} 1');
    expect(text).toContain('repvgg_worker_heartbeats_total{result="failed"} 1');
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
