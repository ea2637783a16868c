import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { metricFamilies, seriesOf, TARGET_LABELS, type Family } from './metric-registries.support';
import { promqlRefs } from './promql.support';

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
        targets: z
          .array(
            z.looseObject({
              refId: z.string(),
              expr: z.string().min(1),
              legendFormat: z.string().optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

/** A Grafana legend's `{{label}}` references. */
const legendLabels = (legend: string | undefined): string[] =>
  [...(legend ?? '').matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1]);

/** Range functions that are meant for series that only grow (a gauge's rate is a reset-riddled guess). */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);

/**
 * What is wrong with one panel query: PromQL it cannot parse, a series no registry exposes, a label (matched,
 * grouped by or in the legend) that neither its series nor the scrape target carries, rate() over a gauge. Empty
 * when it is right.
 */
function queryProblems(
  expr: string,
  legend: string | undefined,
  families: Map<string, Family>,
): string[] {
  const refs = promqlRefs(expr);
  const problems = refs.errors.map((e) => `not PromQL ${e}`);
  if (refs.selectors.length === 0) problems.push('selects no series');
  const known = new Set(TARGET_LABELS);
  for (const s of refs.selectors) {
    const series = s.metric === undefined ? undefined : seriesOf(s.metric, families);
    if (series === undefined) {
      problems.push(`${s.metric ?? 'a selector without a metric name'} is exposed by no registry`);
      continue;
    }
    series.labels.forEach((l) => known.add(l));
    for (const l of s.labels) {
      if (!series.labels.has(l) && !TARGET_LABELS.includes(l))
        problems.push(`${s.metric} has no label ${l}`);
    }
    if (
      s.rangeFunction !== undefined &&
      COUNTER_FUNCTIONS.has(s.rangeFunction) &&
      !series.monotonic
    ) {
      problems.push(`${s.rangeFunction}() over ${s.metric}, a ${series.family.type}`);
    }
  }
  for (const l of [...refs.groupingLabels, ...legendLabels(legend)]) {
    if (!known.has(l)) problems.push(`no series here has a label ${l}`);
  }
  return problems;
}

describe('the Grafana dashboard for the coordinator and the workers', () => {
  const dashboard = dashboardSchema.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  const families = metricFamilies();

  it('has panels with unique ids, each with at least one query', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("queries, in valid PromQL, only series and labels the coordinator's or a worker's registry exposes", () => {
    const sides = new Set<string>();
    const problems: string[] = [];
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        for (const p of queryProblems(t.expr, t.legendFormat, families)) {
          problems.push(`${panel.title}: ${t.expr}: ${p}`);
        }
        for (const s of promqlRefs(t.expr).selectors) {
          const side =
            s.metric === undefined ? undefined : seriesOf(s.metric, families)?.family.side;
          if (side !== undefined) sides.add(side);
        }
      }
    }
    expect(problems).toEqual([]);
    // Both sides are on the dashboard.
    expect([...sides].sort()).toEqual(['coordinator', 'worker']);
  });

  it('refuses a query the dashboard must not have (the check can fail)', () => {
    const problems = (expr: string, legend?: string) => queryProblems(expr, legend, families);
    expect(
      problems(
        'sum by (phase) (rate(repvgg_worker_step_phase_seconds_sum[$__rate_interval]))',
        '{{phase}} {{pod}}',
      ),
    ).toEqual([]);
    // a metric that is not repvgg_-prefixed, beside one that is
    expect(problems('rate(process_cpu_seconds_total[5m]) / repvgg_workers_registered')).toEqual([
      'process_cpu_seconds_total is exposed by no registry',
    ]);
    expect(problems('{__name__="repvgg_worker_no_such_metric_total"}')).toEqual([
      'repvgg_worker_no_such_metric_total is exposed by no registry',
    ]);
    // a histogram's bare name and a counter's _bucket are no series
    expect(problems('repvgg_worker_step_seconds')).toEqual([
      'repvgg_worker_step_seconds is exposed by no registry',
    ]);
    expect(problems('repvgg_steps_total_bucket')).toEqual([
      'repvgg_steps_total_bucket is exposed by no registry',
    ]);
    // labels: grouped by, matched on, in the legend
    expect(problems('sum by (phse) (repvgg_worker_step_phase_seconds_count)')).toEqual([
      'no series here has a label phse',
    ]);
    expect(problems('repvgg_jobs{stat="running"}')).toEqual(['repvgg_jobs has no label stat']);
    expect(problems('repvgg_jobs', '{{job}} {{result}}')).toEqual([
      'no series here has a label result',
    ]);
    expect(
      problems('histogram_quantile(0.9, sum by (le) (rate(repvgg_allreduce_seconds_bucket[5m])))'),
    ).toEqual([]);
    expect(problems('sum by (le) (repvgg_allreduce_seconds_count)')).toEqual([
      'no series here has a label le',
    ]);
    // rate() of a gauge; unbalanced parentheses; a Grafana variable the dashboard does not define
    expect(problems('rate(repvgg_jobs[5m])')).toEqual(['rate() over repvgg_jobs, a gauge']);
    expect(problems('sum(rate(repvgg_steps_total[5m])')[0]).toMatch(/^not PromQL at/);
    expect(problems('rate(repvgg_steps_total[$window])')[0]).toMatch(/^not PromQL at/);
  });
});
