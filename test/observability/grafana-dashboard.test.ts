import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config';
import type { JobService } from '../../apps/coordinator/src/jobs/job.service';
import { MetricsService } from '../../apps/coordinator/src/metrics/metrics.service';
import { AutoscaleService } from '../../apps/coordinator/src/planner/autoscale.service';
import type { QueueRepository } from '../../apps/coordinator/src/repositories/queue.repository';
import type { RedisStoreRepository } from '../../apps/coordinator/src/repositories/redis-store.repository';
import type { RendezvousService } from '../../apps/coordinator/src/rendezvous/rendezvous.service';
import { WorkerMetrics } from '../../apps/worker/src/worker.metrics';

const DASHBOARD = join(__dirname, '..', '..', 'docs', 'grafana', 'repvgg-dashboard.json');

const dashboardSchema = z.looseObject({
  title: z.string().min(1),
  uid: z.string().min(1),
  schemaVersion: z.number().int(),
  panels: z
    .array(
      z.looseObject({
        id: z.number().int(),
        type: z.string(),
        title: z.string().min(1),
        gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
        targets: z.array(z.looseObject({ refId: z.string(), expr: z.string().min(1) })).min(1),
      }),
    )
    .min(1),
});

/**
 * The metric families the coordinator's and a worker's registries expose, by name and type. The
 * coordinator's services are built with stand-ins for Redis, the queue and the rendezvous: only
 * their metric registration runs here, nothing they would be asked.
 */
function exposedFamilies(): Map<string, string> {
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
  const families = new Map<string, string>();
  for (const registry of [coordinator.registry, new WorkerMetrics().registry]) {
    for (const m of registry.getMetricsAsArray()) families.set(m.name, String(m.type));
  }
  return families;
}

/** The family a series name in a query belongs to (a histogram's _bucket, _sum and _count). */
function familyOf(series: string, families: Map<string, string>): string | undefined {
  if (families.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return families.get(base) === 'histogram' ? base : undefined;
}

describe('the Grafana dashboard for the coordinator and the workers', () => {
  const dashboard = dashboardSchema.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  const families = exposedFamilies();

  it('has panels with unique ids, each with at least one query', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("queries only metrics the coordinator's or a worker's registry exposes", () => {
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const names = t.expr.match(/\brepvgg_[a-z0-9_]+/g) ?? [];
        expect(names.length, `${panel.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          const family = familyOf(name, families);
          expect(family, `${panel.title}: ${name} is exposed by no registry`).toBeDefined();
          used.add(family ?? name);
        }
      }
    }
    // Both sides are on the dashboard.
    expect([...used].some((n) => n.startsWith('repvgg_worker_'))).toBe(true);
    expect([...used].some((n) => !n.startsWith('repvgg_worker_'))).toBe(true);
  });

  it('refuses a metric no registry exposes (the check can fail)', () => {
    expect(familyOf('repvgg_worker_step_phase_seconds_bucket', families)).toBe(
      'repvgg_worker_step_phase_seconds',
    );
    expect(familyOf('repvgg_worker_no_such_metric_total', families)).toBeUndefined();
    expect(familyOf('repvgg_steps_total_bucket', families)).toBeUndefined();
  });
});
