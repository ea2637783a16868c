import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';
import { manifestIt, render, TARGETS } from './kustomize.support';
import {
  admits,
  matches,
  pods,
  PROMETHEUS,
  reachability,
  type Pod,
  type Source,
} from './network-policy.support';

describe.each(TARGETS)('NetworkPolicies of k8s/%s', (target) => {
  manifestIt('admit only what the control plane needs', () => {
    const { pod, can } = reachability(render(target));
    const redis = pod('redis');
    const coordinator = pod('repvgg-coordinator');
    const worker = pod('repvgg-worker');
    const stranger: Source = { 'app.kubernetes.io/name': 'something-else' };
    const elsewhere: Source = { namespace: PROMETHEUS.namespace, pod: stranger };

    // Redis: the coordinator only (workers never speak to it)
    expect(can(coordinator.labels, redis, 'redis')).toBe(true);
    expect(can(worker.labels, redis, 'redis')).toBe(false);
    expect(can(stranger, redis, 'redis')).toBe(false);
    expect(can('outside', redis, 'redis')).toBe(false);
    expect(can(PROMETHEUS, redis, 'redis')).toBe(false);

    // Worker ports: workers and the coordinator
    for (const port of ['collective', 'collective-data']) {
      expect(can(worker.labels, worker, port), port).toBe(true);
      expect(can(coordinator.labels, worker, port), port).toBe(true);
      expect(can(stranger, worker, port), port).toBe(false);
      expect(can('outside', worker, port), port).toBe(false);
      expect(can(PROMETHEUS, worker, port), port).toBe(false);
    }

    // The worker's metrics: Prometheus (prometheus-operator's pod labels, another namespace) only
    expect(can(PROMETHEUS, worker, 'metrics')).toBe(true);
    expect(can(elsewhere, worker, 'metrics')).toBe(false);
    expect(can(stranger, worker, 'metrics')).toBe(false);
    expect(can('outside', worker, 'metrics')).toBe(false);

    // The coordinator: HTTP from anywhere, the rendezvous from workers only
    expect(can('outside', coordinator, 'http')).toBe(true);
    expect(can(stranger, coordinator, 'http')).toBe(true);
    expect(can(PROMETHEUS, coordinator, 'http')).toBe(true);
    expect(can(worker.labels, coordinator, 'grpc')).toBe(true);
    expect(can(stranger, coordinator, 'grpc')).toBe(false);
    expect(can('outside', coordinator, 'grpc')).toBe(false);
    expect(can(redis.labels, coordinator, 'grpc')).toBe(false);
    expect(can(PROMETHEUS, coordinator, 'grpc')).toBe(false);
  });

  manifestIt(
    'select existing pods (a typo in a selector would silently open or close a port)',
    () => {
      const objs = render(target);
      const labels = [...pods(objs).values()].map((p) => p.labels);
      for (const p of objs.filter(
        (o) => o.kind === 'NetworkPolicy',
      ) as unknown as INetworkPolicy[]) {
        const spec = p.spec!;
        const selected = labels.filter((l) => matches(spec.podSelector, l)).length;
        if (Object.keys(spec.podSelector.matchLabels ?? {}).length === 0) {
          // the default deny: every pod, and admits nothing itself
          expect(selected, p.metadata!.name).toBe(labels.length);
          expect(spec.ingress ?? [], p.metadata!.name).toEqual([]);
        } else {
          expect(selected, p.metadata!.name).toBe(1);
        }
        for (const rule of spec.ingress ?? []) {
          for (const peer of rule.from ?? []) {
            // a peer in this namespace is one of its workloads; one in other namespaces (Prometheus) none of them
            expect(
              labels.filter((l) => matches(peer.podSelector, l)),
              p.metadata!.name,
            ).toHaveLength(peer.namespaceSelector === undefined ? 1 : 0);
          }
        }
      }
    },
  );
});

/** The model the checks above rely on, against NetworkPolicy's documented semantics. */
describe('the NetworkPolicy model of network-policy.support', () => {
  const to: Pod = { labels: { app: 'api' }, ports: new Map([['http', 8080]]) };
  const policy = (from: object[]): INetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    spec: {
      podSelector: { matchLabels: { app: 'api' } },
      ingress: [{ from, ports: [{ port: 'http' }] }],
    },
  });
  const client = { app: 'client' };
  const monitoring = { 'kubernetes.io/metadata.name': 'monitoring' };

  it('a podSelector alone admits pods of its own namespace only', () => {
    const p = [policy([{ podSelector: { matchLabels: client } }])];
    expect(admits(p, to, 8080, client)).toBe(true);
    expect(admits(p, to, 8080, { namespace: monitoring, pod: client })).toBe(false);
    expect(admits(p, to, 8080, { app: 'other' })).toBe(false);
    expect(admits(p, to, 8080, 'outside')).toBe(false);
    // the rule's named port is the only one it opens
    expect(admits(p, to, 8081, client)).toBe(false);
    // a pod no policy selects admits everything
    expect(admits(p, { ...to, labels: { app: 'db' } }, 8081, 'outside')).toBe(true);
  });

  it('a namespaceSelector with a podSelector admits those pods of the namespaces it selects', () => {
    const peer = { podSelector: { matchLabels: client } };
    const inMonitoring = [policy([{ ...peer, namespaceSelector: { matchLabels: monitoring } }])];
    expect(admits(inMonitoring, to, 8080, { namespace: monitoring, pod: client })).toBe(true);
    expect(admits(inMonitoring, to, 8080, { namespace: { x: 'y' }, pod: client })).toBe(false);
    expect(admits(inMonitoring, to, 8080, { namespace: monitoring, pod: { app: 'other' } })).toBe(
      false,
    );
    const anywhere = [policy([{ ...peer, namespaceSelector: {} }])];
    expect(admits(anywhere, to, 8080, { namespace: { x: 'y' }, pod: client })).toBe(true);
    expect(admits(anywhere, to, 8080, client)).toBe(true);
  });

  it('matchExpressions: In, NotIn, Exists, DoesNotExist, each with matchLabels', () => {
    const labels = { a: '1', b: '2' };
    const expr = (operator: string, key = 'a', values?: string[]) => ({
      matchExpressions: [{ key, operator, values }],
    });
    expect(matches(expr('In', 'a', ['1', '3']), labels)).toBe(true);
    expect(matches(expr('In', 'a', ['3']), labels)).toBe(false);
    expect(matches(expr('In', 'c', ['1']), labels)).toBe(false);
    expect(matches(expr('NotIn', 'a', ['1']), labels)).toBe(false);
    expect(matches(expr('NotIn', 'c', ['1']), labels)).toBe(true);
    expect(matches(expr('Exists', 'b'), labels)).toBe(true);
    expect(matches(expr('DoesNotExist', 'b'), labels)).toBe(false);
    expect(matches({ ...expr('Exists', 'b'), matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(() => matches(expr('Matches', 'a', ['1']), labels)).toThrow(
      /unknown selector operator Matches/,
    );
  });
});
