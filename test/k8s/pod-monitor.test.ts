import { describe, expect, it } from 'vitest';
import {
  metricFamilies,
  TARGET_LABELS,
  type Side,
} from '../observability/metric-registries.support';
import { CRD_VALIDATORS, validateCrd } from './crd-schema.support';
import { manifestIt, render, renderWith, TARGETS, template, workloads } from './kustomize.support';
import { matches, PROMETHEUS, reachability } from './network-policy.support';

const POD_MONITOR = 'monitoring.coreos.com/v1/PodMonitor';

interface PodMonitorSpec {
  selector: { matchLabels?: Record<string, string> };
  namespaceSelector?: unknown;
  podMetricsEndpoints: {
    port?: string;
    path?: string;
    honorLabels?: boolean;
    authorization?: { type?: string; credentials?: { name: string; key: string } };
  }[];
}

/** Whose registry each PodMonitor scrapes. */
const SCRAPES: Record<string, Side> = {
  'repvgg-worker': 'worker',
  'repvgg-coordinator': 'coordinator',
};

/** The labels a side's series declare that Prometheus also sets on the target (they clash without honorLabels). */
const families = [...metricFamilies().values()];
const clashing = (side: Side): string[] =>
  TARGET_LABELS.filter((l) => families.some((f) => f.side === side && f.labels.has(l)));

describe.each(TARGETS)('k8s/%s', (target) => {
  manifestIt('has no PodMonitor: it applies to a cluster without prometheus-operator', () => {
    expect(render(target).filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual(
      [],
    );
  });

  manifestIt(
    'with components/prometheus: PodMonitors scrape the workers and the coordinator on ports their pods declare',
    () => {
      const objs = renderWith(target, 'prometheus');
      const monitors = objs.filter((o) => o.kind === 'PodMonitor');
      expect(monitors.map((m) => m.metadata.name).sort()).toEqual(Object.keys(SCRAPES).sort());
      const pods = workloads(objs);
      const { pod, can } = reachability(objs);
      for (const m of monitors) {
        const name = m.metadata.name;
        validateCrd(CRD_VALIDATORS.get(POD_MONITOR)!, m);
        const spec = m.spec as PodMonitorSpec;
        // its own namespace, the workloads' (no namespaceSelector reaching elsewhere)
        expect(spec.namespaceSelector, name).toBeUndefined();
        expect(m.metadata.namespace, name).toBe(pods[0].metadata.namespace);

        // the selector picks exactly the pods of the workload of its name
        const selected = pods.filter((w) =>
          matches(spec.selector, template(w).metadata!.labels ?? {}),
        );
        expect(
          selected.map((w) => w.metadata.name),
          name,
        ).toEqual([name]);

        const declared = template(selected[0]).spec!.containers.flatMap((c) => c.ports ?? []);
        expect(spec.podMetricsEndpoints.length, name).toBeGreaterThan(0);
        const clash = clashing(SCRAPES[name]);
        for (const e of spec.podMetricsEndpoints) {
          expect(
            declared.map((p) => p.name),
            `${name}: port ${e.port}`,
          ).toContain(e.port);
          expect(e.path, name).toBe('/metrics');
          // Prometheus reaches it from its own namespace through the NetworkPolicies
          expect(can(PROMETHEUS, pod(name), e.port!), `${name}: ${e.port}`).toBe(true);
          // a series label Prometheus also sets on the target (the coordinator's `job`) is kept only with honorLabels
          expect(e.honorLabels === true, `${name}: ${clash.join(', ')}`).toBe(clash.length > 0);
        }
      }

      // the worker's endpoint is the port its --metrics-port serves
      const worker = template(pods.find((w) => w.metadata.name === 'repvgg-worker')!).spec!
        .containers[0];
      const flag = worker.command![worker.command!.indexOf('--metrics-port') + 1];
      const port = (
        monitors.find((m) => m.metadata.name === 'repvgg-worker')!.spec as PodMonitorSpec
      ).podMetricsEndpoints[0].port;
      expect(worker.ports?.find((p) => p.name === port)?.containerPort).toBe(Number(flag));

      // the coordinator's /metrics wants an API token, from the Secret the docs have you create
      const coordinator = monitors.find((m) => m.metadata.name === 'repvgg-coordinator')!;
      expect((coordinator.spec as PodMonitorSpec).podMetricsEndpoints[0].authorization).toEqual({
        type: 'Bearer',
        credentials: { name: 'repvgg-prometheus-token', key: 'token' },
      });
    },
  );
});

describe('the PodMonitor CRD validator', () => {
  const pm = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'x' },
    spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics' }] },
  };
  const validate = (o: unknown) => () => {
    validateCrd(CRD_VALIDATORS.get(POD_MONITOR)!, o);
  };

  it('accepts a minimal PodMonitor and refuses a misspelt field, a wrong type and a missing one', () => {
    expect(validate(pm)).not.toThrow();
    expect(
      validate({ ...pm, spec: { ...pm.spec, podMetricsEndpoints: [{ prot: 'metrics' }] } }),
    ).toThrow(/additionalProperty.*prot/);
    expect(
      validate({ ...pm, spec: { ...pm.spec, podMetricsEndpoints: [{ honorLabels: 'yes' }] } }),
    ).toThrow(/honorLabels must be boolean/);
    expect(validate({ ...pm, spec: { podMetricsEndpoints: pm.spec.podMetricsEndpoints } })).toThrow(
      /selector/,
    );
  });
});
