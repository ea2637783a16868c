import { Subject } from 'rxjs';
import type { Registry } from 'prom-client';
import type { CoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config';
import type { JobService } from '../../apps/coordinator/src/jobs/job.service';
import { MetricsService } from '../../apps/coordinator/src/metrics/metrics.service';
import { AutoscaleService } from '../../apps/coordinator/src/planner/autoscale.service';
import type { QueueRepository } from '../../apps/coordinator/src/repositories/queue.repository';
import type { RedisStoreRepository } from '../../apps/coordinator/src/repositories/redis-store.repository';
import type { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { WorkerMetrics } from '../../apps/worker/src/worker.metrics';

/** Who serves a registry: the coordinator at GET /metrics, a worker at --metrics-port. */
export type Side = 'coordinator' | 'worker';

/**
 * The labels Prometheus sets on every PodMonitor target. A series' own label of the same name loses to the target's
 * unless the endpoint honours labels; a query may use them on any series.
 */
export const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'container', 'endpoint'];

/**
 * The Prometheus registries of the coordinator's /metrics and a worker's. The coordinator's services are built with
 * stand-ins for Redis, the queue and the rendezvous: only their metric registration runs here, nothing they would be
 * asked, so read names, types and label names, never values.
 */
export function metricRegistries(): Record<Side, Registry> {
  const jobs = { transitions$: new Subject() } as unknown as JobService;
  const coordinator = new MetricsService(
    {} as unknown as RedisStoreRepository,
    {} as unknown as QueueRepository,
    {} as unknown as RendezvousService,
    jobs,
  );
  new AutoscaleService({} as unknown as RedisStoreRepository, coordinator, {
    maxWorkers: 1,
  } as CoordinatorConfig);
  return { coordinator: coordinator.registry, worker: new WorkerMetrics().registry };
}

/** A metric family as a registry declares it. */
export interface Family {
  name: string;
  type: string;
  labels: ReadonlySet<string>;
  side: Side;
}

/** prom-client keeps each metric's declared label names on it. */
const declaredLabels = (m: object): string[] => [
  ...((m as { labelNames?: readonly string[] }).labelNames ?? []),
];

/** Every family of both registries by name; a name both declare is refused (their series would mix). */
export function metricFamilies(): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const [side, registry] of Object.entries(metricRegistries()) as [Side, Registry][]) {
    for (const m of registry.getMetricsAsArray()) {
      const other = families.get(m.name);
      if (other !== undefined)
        throw new Error(`${m.name} is in the ${other.side}'s and the ${side}'s registry`);
      families.set(m.name, {
        name: m.name,
        type: String(m.type),
        labels: new Set(declaredLabels(m)),
        side,
      });
    }
  }
  return families;
}

/** A series name as scraped: its family, the labels it carries, whether it only ever grows (rate() applies). */
export interface Series {
  family: Family;
  labels: ReadonlySet<string>;
  monotonic: boolean;
}

/**
 * The series a name in a query stands for, as prom-client exposes them: a counter or gauge by its name, a
 * histogram's `_bucket` (with `le`), `_sum` and `_count`, a summary's quantiles (with `quantile`), `_sum` and
 * `_count`. A histogram's bare name is no series; undefined for anything not exposed.
 */
export function seriesOf(name: string, families: Map<string, Family>): Series | undefined {
  const exact = families.get(name);
  if (exact !== undefined && exact.type !== 'histogram') {
    const labels = exact.type === 'summary' ? [...exact.labels, 'quantile'] : [...exact.labels];
    return { family: exact, labels: new Set(labels), monotonic: exact.type === 'counter' };
  }
  const parts = /^(.*)_(bucket|sum|count)$/.exec(name);
  const family = parts === null ? undefined : families.get(parts[1]);
  if (parts === null || family === undefined) return undefined;
  const suffix = parts[2];
  if (suffix === 'bucket' && family.type === 'histogram') {
    return { family, labels: new Set([...family.labels, 'le']), monotonic: true };
  }
  if (family.type === 'histogram' || family.type === 'summary') {
    return { family, labels: family.labels, monotonic: true };
  }
  return undefined;
}
