import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { StepSplit } from './step-split';

/** The phases of a step (StepSplit) as the `phase` label's values. */
const PHASES: readonly [keyof StepSplit, string][] = [
  ['dataWaitSeconds', 'data_wait'],
  ['computeSeconds', 'compute'],
  ['allreduceSeconds', 'allreduce'],
  ['applySeconds', 'apply'],
  ['commitSeconds', 'commit'],
];

const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A worker's Prometheus metrics, in a registry of its own (tests run several workers in a
 * process): every member's own step split, the gradient bytes it all-reduced, generation changes
 * and heartbeats. The coordinator's registry holds the job-level series (committed steps, images/s).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly phase = new Histogram({
    name: 'repvgg_worker_step_phase_seconds',
    help: "Time of each phase of this worker's steps: data_wait, compute, allreduce, apply, commit (the previous step's)",
    labelNames: ['phase'] as const,
    buckets: STEP_BUCKETS,
    registers: [this.registry],
  });
  private readonly step = new Histogram({
    name: 'repvgg_worker_step_seconds',
    help: "Time of this worker's steps, from awaiting data to the applied update",
    buckets: STEP_BUCKETS,
    registers: [this.registry],
  });
  private readonly allreduceBytes = new Counter({
    name: 'repvgg_worker_allreduce_bytes_total',
    help: 'Bytes of gradient packets this worker all-reduced (float32, one packet per step)',
    registers: [this.registry],
  });
  private readonly generations = new Counter({
    name: 'repvgg_worker_generation_changes_total',
    help: 'Generations this worker entered (a job start, a join, a leave or a failure re-forms one)',
    registers: [this.registry],
  });
  private readonly heartbeats = new Counter({
    name: 'repvgg_worker_heartbeats_total',
    help: 'Heartbeats this worker sent, by result: ok, unknown (the coordinator forgot it), failed',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'repvgg_worker_' });
  }

  observeStep(split: StepSplit, seconds: number, allreduceBytes: number): void {
    for (const [key, phase] of PHASES) this.phase.observe({ phase }, split[key]);
    this.step.observe(seconds);
    this.allreduceBytes.inc(allreduceBytes);
  }

  generationChanged(): void {
    this.generations.inc();
  }

  heartbeat(result: 'ok' | 'unknown' | 'failed'): void {
    this.heartbeats.inc({ result });
  }

  /** Serves `GET /metrics` (Prometheus text) on host:port; resolves with the bound port. */
  async serve(host: string, port: number): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return new MetricsServer(server);
  }
}

export class MetricsServer {
  constructor(private readonly server: Server) {}

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }
}
